package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.stackquery.QueryKey;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class KeyLayoutTest {

    private final KeyLayout layout = new KeyLayout("app:ü:");

    /** Keys whose canonical forms hold every character that could be mistaken for the end of a part. */
    private static final List<QueryKey> KEYS = List.of(
            QueryKey.of(),
            QueryKey.of("item"),
            QueryKey.of("item", 1),
            QueryKey.of("a,b", "[x]", "{y}", "q\"uo,te\\", 2.5, true),
            QueryKey.of("ü", "日本", "😀", -7L, new BigDecimal("1E+3")),
            QueryKey.of(List.of(1, List.of("x,]", Map.of("k,", "v]")), "end"), Map.of("b", List.of(), "a", Map.of()),
                    "tail"),
            QueryKey.of("", List.of(), Map.of(), "\\", "\"", "\\\"]"),
            QueryKey.of(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), "control\n\t\u0001"));

    @Test
    void aReadNamesItsEntryItsOwnCounterAndEachPrefixCounterFromTheEmptyOneToTheKey() {
        QueryKey key = QueryKey.of("user", 1);

        assertThat(layout.readKeys(key, true)).containsExactly("app:ü:[\"user\",1]", "app:ü:gen:key:[\"user\",1]",
                "app:ü:gen:prefix:[]", "app:ü:gen:prefix:[\"user\"]", "app:ü:gen:prefix:[\"user\",1]");
        assertThat(layout.readKeys(key, false)).as("a generation alone reads no entry")
                .containsExactly("app:ü:gen:key:[\"user\",1]", "app:ü:gen:prefix:[]", "app:ü:gen:prefix:[\"user\"]",
                        "app:ü:gen:prefix:[\"user\",1]");
    }

    @Test
    void theMgetWrittenFromTheKeyIsTheCommandOfItsKeysWhateverTheirCharacters() {
        for (QueryKey key : KEYS) {
            for (boolean withEntry : new boolean[] {true, false}) {
                ByteBuf written = Unpooled.buffer();
                layout.writeMget(written, key, withEntry);

                assertThat(written.toString(StandardCharsets.UTF_8)).as("%s, entry %s", key, withEntry)
                        .isEqualTo(resp(layout.readKeys(key, withEntry)));
                assertThat(layout.readKeys(key, withEntry)).hasSize(KeyLayout.readKeyCount(key, withEntry));
            }
        }
    }

    @Test
    void partsEndAtTopLevelCommasOnly() {
        for (QueryKey key : KEYS) {
            String canonical = key.canonical();
            List<String> prefixes = new ArrayList<>();
            int cut = 1;
            for (int i = 0; i < key.size(); i++) {
                prefixes.add(canonical.substring(0, cut) + "]");
                cut = KeyLayout.partEnd(canonical, i == 0 ? 1 : cut + 1);
            }
            prefixes.add(canonical);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i <= key.size(); i++) {
                expected.add(key.head(i).canonical());
            }
            assertThat(prefixes).as(canonical).isEqualTo(expected);
        }
    }

    /** The command as Lettuce writes an MGET: an array of bulk strings, lengths in bytes. */
    private static String resp(List<String> keys) {
        StringBuilder out = new StringBuilder("*").append(keys.size() + 1).append("\r\n$4\r\nMGET\r\n");
        for (String key : keys) {
            out.append('$').append(key.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(key)
                    .append("\r\n");
        }
        return out.toString();
    }
}

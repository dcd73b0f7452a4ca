package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JacksonQueryCodecTest {

    record Rec(String name, int age) {
    }

    /** A class a hostile payload might name; it counts its instances so a test can see none were made. */
    static final class Gadget {

        static final AtomicInteger CREATED = new AtomicInteger();

        public String path = "";

        public Gadget() {
            CREATED.incrementAndGet();
        }
    }

    private static final String GADGET = Gadget.class.getName();

    private final JacksonQueryCodec codec = new JacksonQueryCodec();

    @BeforeEach
    void resetGadgetCount() {
        Gadget.CREATED.set(0);
    }

    @Test
    void recordRoundTrips() {
        Rec rec = new Rec("Ada", 36);

        byte[] bytes = codec.encode(rec, TypeRef.of(Rec.class));

        assertThat(codec.decode(bytes, TypeRef.of(Rec.class))).isEqualTo(rec);
    }

    @Test
    void encodingIsPlainJson() {
        byte[] bytes = codec.encode(new Rec("Ada", 36), TypeRef.of(Rec.class));

        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .contains("\"name\":\"Ada\"", "\"age\":36")
                .doesNotContain("@class", Rec.class.getName());
    }

    @Test
    void genericListComesBackAsRecordsNotMaps() {
        TypeRef<List<Rec>> type = new TypeRef<List<Rec>>() { };
        List<Rec> list = List.of(new Rec("Ada", 36), new Rec("Alan", 41));

        List<Rec> read = codec.decode(codec.encode(list, type), type);

        assertThat(read).containsExactly(new Rec("Ada", 36), new Rec("Alan", 41));
        assertThat(read).allSatisfy(element -> assertThat(element).isInstanceOf(Rec.class));
    }

    @Test
    void mapOfStringToIntegerRoundTrips() {
        TypeRef<Map<String, Integer>> type = new TypeRef<Map<String, Integer>>() { };
        Map<String, Integer> map = new LinkedHashMap<>();
        map.put("a", 1);
        map.put("b", -2);

        Map<String, Integer> read = codec.decode(codec.encode(map, type), type);

        assertThat(read).containsExactlyInAnyOrderEntriesOf(map);
        assertThat(read.values()).allSatisfy(value -> assertThat(value).isInstanceOf(Integer.class));
    }

    @Test
    void stringRoundTrips() {
        String text = "grüße \"quoted\" \n 😀";

        assertThat(codec.decode(codec.encode(text, TypeRef.of(String.class)), TypeRef.of(String.class)))
                .isEqualTo(text);
    }

    @Test
    void decodingAnotherShapeThanTheDeclaredTypeFails() {
        assertThatThrownBy(() -> codec.decode(json("\"just a string\""), TypeRef.of(Rec.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("[1,2]"), TypeRef.of(Rec.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("{\"name\":\"Ada\",\"age\":\"old\"}"), TypeRef.of(Rec.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("{\"a\":\"x\"}"), new TypeRef<Map<String, Integer>>() { }))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("[1,2]"), new TypeRef<Map<String, Integer>>() { }))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("{\"a\":1}"), TypeRef.of(Integer.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("[{\"name\":\"Ada\",\"age\":[]}]"), new TypeRef<List<Rec>>() { }))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void decodingBytesThatAreNotJsonFails() {
        assertThatThrownBy(() -> codec.decode(json("not json"), TypeRef.of(Rec.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(json("{\"name\":\"Ada\""), TypeRef.of(Rec.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(new byte[0], TypeRef.of(String.class)))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> codec.decode(new byte[] {(byte) 0xff, 0, 1}, TypeRef.of(String.class)))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void jsonNullPayloadIsRejected() {
        assertThatThrownBy(() -> codec.decode(json("null"), TypeRef.of(Rec.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> codec.decode(json("null"), new TypeRef<List<Rec>>() { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode(json(" null "), TypeRef.of(String.class)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void classNameInAnArrayWrapperDoesNotPickTheClass() {
        String payload = "[\"" + GADGET + "\",{\"path\":\"/etc/passwd\"}]";

        Object read = codec.decode(json(payload), TypeRef.of(Object.class));

        assertThat(read).isInstanceOf(List.class);
        assertThat((List<?>) read).first().isEqualTo(GADGET);
        assertThat((List<?>) read).last().isInstanceOf(Map.class);
        assertThat(Gadget.CREATED).hasValue(0);
    }

    @Test
    void classPropertyDoesNotPickTheClass() {
        String payload = "{\"@class\":\"" + GADGET + "\",\"path\":\"/etc/passwd\"}";

        Object read = codec.decode(json(payload), TypeRef.of(Object.class));

        assertThat(read).isInstanceOf(Map.class).isNotInstanceOf(Gadget.class);
        assertThat(Gadget.CREATED).hasValue(0);
    }

    @Test
    void classHintsNeverYieldAnythingButTheDeclaredType() {
        List<String> payloads = List.of(
                "[\"" + GADGET + "\",{\"path\":\"x\"}]",
                "{\"@class\":\"" + GADGET + "\",\"path\":\"x\"}",
                "{\"@c\":\"" + GADGET + "\",\"path\":\"x\"}",
                "[\"java.util.ArrayList\",[{\"name\":\"Ada\",\"age\":36}]]",
                "{\"@class\":\"java.util.ArrayList\",\"name\":\"Ada\",\"age\":36}");
        for (String payload : payloads) {
            for (TypeRef<?> type : List.of(TypeRef.of(Rec.class), new TypeRef<Map<String, Object>>() { },
                    new TypeRef<List<Rec>>() { }, TypeRef.of(String.class))) {
                Throwable error = catchThrowable(() -> {
                    Object read = codec.decode(json(payload), type);
                    assertThat(read).as("%s read as %s", payload, type)
                            .isInstanceOf(rawClass(type))
                            .isNotInstanceOf(Gadget.class);
                    if (read instanceof List<?> list) {
                        assertThat(list).allSatisfy(element -> assertThat(element).isInstanceOf(Rec.class));
                    }
                });
                if (error instanceof AssertionError assertion) {
                    throw assertion;
                }
            }
        }
        assertThat(Gadget.CREATED).hasValue(0);
    }

    @Test
    void declaredTypeWinsOverAClassHint() {
        String payload = "{\"@class\":\"" + GADGET + "\",\"path\":\"x\"}";

        Map<String, Object> read = codec.decode(json(payload), new TypeRef<Map<String, Object>>() { });

        assertThat(read).containsEntry("@class", GADGET).containsEntry("path", "x");
        assertThat(Gadget.CREATED).hasValue(0);
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> codec.encode(null, TypeRef.of(String.class)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("value");
        assertThatThrownBy(() -> codec.encode("x", null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> codec.decode(null, TypeRef.of(String.class)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("bytes");
        assertThatThrownBy(() -> codec.decode(json("\"x\""), null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> new JacksonQueryCodec(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("mapper");
    }

    private static Class<?> rawClass(TypeRef<?> type) {
        if (type.type() instanceof Class<?> c) {
            return c;
        }
        return (Class<?>) ((java.lang.reflect.ParameterizedType) type.type()).getRawType();
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

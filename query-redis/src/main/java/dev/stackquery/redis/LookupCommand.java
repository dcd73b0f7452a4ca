package dev.stackquery.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.stackquery.CorruptStorageEntryException;
import dev.stackquery.QueryKey;
import dev.stackquery.StorageBackend.Lookup;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * One read as a Lettuce command and its future at once: an {@code MGET} of the keys {@link KeyLayout} names, written
 * into the channel from the query key itself, that completes with the {@link Lookup} its {@link LookupOutput} reads
 * from the reply, or fails with a {@link CorruptStorageEntryException} for an unreadable entry. So a read costs
 * Lettuce's own command objects and no stage of futures after them.
 *
 * <p>It tells its backend how it ended (a reply, or a failure such as a timeout or a lost connection) for health
 * reporting.
 */
final class LookupCommand extends AsyncCommand<byte[], byte[], Lookup> {

    private final KeyLayout layout;
    private final QueryKey key;
    private final boolean withEntry;
    private final LookupOutput output;
    private final RedisStorageBackend backend;
    /** When the read times out, in {@link System#nanoTime()}; see {@link ReadTimer}. */
    long deadline;
    /** The read sent after this one, while both are in {@link ReadTimer}'s queue; guarded by the timer. */
    @Nullable LookupCommand next;

    LookupCommand(KeyLayout layout, QueryKey key, boolean withEntry, RedisStorageBackend backend) {
        this(layout, key, withEntry, new LookupOutput(withEntry), backend);
    }

    private LookupCommand(KeyLayout layout, QueryKey key, boolean withEntry, LookupOutput output,
            RedisStorageBackend backend) {
        super(new Command<>(CommandType.MGET, output));
        this.layout = layout;
        this.key = key;
        this.withEntry = withEntry;
        this.output = output;
        this.backend = backend;
    }

    @Override
    public void encode(ByteBuf buf) {
        layout.writeMget(buf, key, withEntry);
    }

    /** The arguments as Lettuce would have made them, for whoever looks (tracing, logs); never on the read path. */
    @Override
    public CommandArgs<byte[], byte[]> getArgs() {
        List<String> keys = layout.readKeys(key, withEntry);
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE);
        for (String name : keys) {
            args.addKey(name.getBytes(StandardCharsets.UTF_8));
        }
        return args;
    }

    /** Called by Lettuce once the whole reply was read (or an error reply). */
    @Override
    public void complete() {
        if (isDone()) {
            super.complete(); // the late reply of a read that timed out: counted already
            return;
        }
        boolean errorReply = output.hasError();
        if (!errorReply) {
            try {
                output.lookup();
            } catch (CorruptStorageEntryException e) {
                if (super.completeExceptionally(e)) {
                    backend.readEnded(true); // Redis answered; the entry is at fault
                }
                return;
            }
        }
        super.complete();
        backend.readEnded(!errorReply);
    }

    /** A failure before the reply: a timeout, a lost connection, a cancel. */
    @Override
    public boolean completeExceptionally(Throwable error) {
        boolean failed = super.completeExceptionally(error);
        if (failed) {
            backend.readEnded(false);
        }
        return failed;
    }

    @Override
    public String toString() {
        return "MGET of the read of " + key;
    }
}

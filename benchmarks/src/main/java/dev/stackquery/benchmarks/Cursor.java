package dev.stackquery.benchmarks;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Each benchmark thread's position in a precomputed sequence of {@link Workload#SEQUENCE} entries. */
@State(Scope.Thread)
public class Cursor {

    private int position;

    /** Threads start far apart, so two threads do not read the same entries in lockstep. */
    @Setup(Level.Trial)
    public void start() {
        position = (int) (Thread.currentThread().getId() * 104_729) & Workload.MASK;
    }

    /** The next index, wrapping at {@link Workload#SEQUENCE}. */
    int next() {
        return position++ & Workload.MASK;
    }
}

package dev.stackquery.spring.boot.devtools;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The devtools console's own settings, under {@code stackquery.devtools} ({@code stackquery.devtools.enabled}, which
 * turns the page on, is in {@code StackQueryProperties}). Each setter checks its value, so a bad one fails startup
 * with a binding error that names the property.
 */
@ConfigurationProperties("stackquery.devtools")
public class DevtoolsProperties {

    /** Largest accepted value of {@code events}: the ring is allocated up front. */
    static final int MAX_EVENTS = 1_000_000;

    /**
     * Whether the page offers "force loading", "force error" and "restore", which replace a query's state to show
     * how the application looks while it loads or after it failed.
     */
    private boolean stateControls;

    /** Number of cache events kept for the timeline (the newest; L1 fresh hits are counted, not kept). */
    private int events = 1000;

    public boolean isStateControls() {
        return stateControls;
    }

    public void setStateControls(boolean stateControls) {
        this.stateControls = stateControls;
    }

    public int getEvents() {
        return events;
    }

    public void setEvents(int events) {
        if (events < 1 || events > MAX_EVENTS) {
            throw new IllegalArgumentException("stackquery.devtools.events must be between 1 and " + MAX_EVENTS
                    + ", was " + events);
        }
        this.events = events;
    }
}

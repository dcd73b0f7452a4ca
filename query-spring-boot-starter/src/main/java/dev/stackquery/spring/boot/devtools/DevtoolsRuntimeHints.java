package dev.stackquery.spring.boot.devtools;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What the devtools console reads or serializes reflectively, for AOT processing and native images: its page, script
 * and style sheet, and the records its JSON is written from. (The page itself and the list's records are also in the
 * starter's {@code StackQueryRuntimeHints}.)
 */
final class DevtoolsRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        for (String resource : new String[] { DevtoolsPage.PAGE, DevtoolsPage.SCRIPT, DevtoolsPage.STYLE }) {
            hints.resources().registerPattern(resource);
        }
        for (Class<?> written : new Class<?>[] { DevtoolsRoutes.Listing.class, DevtoolsRoutes.ActionRequest.class,
                DevtoolsRoutes.ActionResult.class, DevtoolsRoutes.Events.class, DevtoolsRoutes.Stats.class,
                TimelineEvent.class, TrafficStats.Series.class, TrafficStats.Latency.class, QueryDetails.Detail.class,
                QueryDetails.Option.class, QueryDetails.L2.class, QueryDetails.StatusChange.class,
                QueryDetails.Controls.class }) {
            hints.reflection().registerType(written, MemberCategory.INVOKE_DECLARED_METHODS,
                    MemberCategory.INVOKE_DECLARED_CONSTRUCTORS, MemberCategory.ACCESS_DECLARED_FIELDS);
        }
    }
}

package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class QueryOptionsTest {

    private static final QueryKey KEY = QueryKey.of("user", 1);
    private static final QueryFunction<String> FN = context -> "alice";
    private static final AsyncQueryFunction<String> ASYNC_FN = context -> CompletableFuture.completedFuture("alice");

    @Test
    void unsetOptionsAreEmpty() {
        QueryOptions<String> options = QueryOptions.of(KEY, FN);

        assertThat(options.key()).isEqualTo(KEY);
        assertThat(options.function()).containsSame(FN);
        assertThat(options.asyncFunction()).isEmpty();
        assertThat(options.staleTime()).isEmpty();
        assertThat(options.gcTime()).isEmpty();
        assertThat(options.retry()).isEmpty();
        assertThat(options.retryDelay()).isEmpty();
        assertThat(options.timeout()).isEmpty();
        assertThat(options.refetchInterval()).isEmpty();
        assertThat(options.placeholderData()).isEmpty();
        assertThat(options.initialData()).isEmpty();
        assertThat(options.type()).isEmpty();
        assertThat(options.onSuccess()).isEmpty();
        assertThat(options.onError()).isEmpty();
        assertThat(options.onSettled()).isEmpty();
        assertThat(options.select()).isEmpty();
        assertThat(options.enabled()).isTrue();
    }

    @Test
    void asyncOptionsHoldTheAsyncFunctionOnly() {
        QueryOptions<String> options = QueryOptions.async(KEY, ASYNC_FN).build();

        assertThat(options.asyncFunction()).containsSame(ASYNC_FN);
        assertThat(options.function()).isEmpty();
        assertThat(options.staleTime()).isEmpty();
    }

    @Test
    void explicitValuesEqualToTheDefaultsArePresent() {
        QueryDefaults standard = QueryDefaults.standard();

        QueryOptions<String> options = QueryOptions.builder(KEY, FN)
                .staleTime(standard.staleTime())
                .gcTime(standard.gcTime())
                .retry(standard.retry())
                .retryDelay(standard.retryDelay())
                .build();

        assertThat(options.staleTime()).contains(Duration.ZERO);
        assertThat(options.gcTime()).contains(Duration.ofMinutes(5));
        assertThat(options.retry()).contains(3);
        assertThat(options.retryDelay()).containsSame(standard.retryDelay());
    }

    @Test
    void zeroIsAnExplicitValueForNonNegativeOptions() {
        QueryOptions<String> options = QueryOptions.builder(KEY, FN)
                .staleTime(Duration.ZERO)
                .gcTime(Duration.ZERO)
                .retry(0)
                .build();

        assertThat(options.staleTime()).contains(Duration.ZERO);
        assertThat(options.gcTime()).contains(Duration.ZERO);
        assertThat(options.retry()).contains(0);
    }

    @Test
    void everySetterIsReflectedByItsAccessor() {
        RetryDelay delay = RetryDelay.fixed(Duration.ofMillis(5));
        TypeRef<String> type = TypeRef.of(String.class);
        Consumer<String> onSuccess = data -> { };
        Consumer<Throwable> onError = error -> { };
        BiConsumer<String, Throwable> onSettled = (data, error) -> { };
        UnaryOperator<String> select = String::toUpperCase;

        QueryOptions<String> options = QueryOptions.builder(KEY, FN)
                .staleTime(Duration.ofSeconds(30))
                .gcTime(Duration.ofMinutes(1))
                .retry(7)
                .retryDelay(delay)
                .timeout(Duration.ofSeconds(2))
                .enabled(false)
                .refetchInterval(Duration.ofSeconds(15))
                .placeholderData("loading")
                .initialData("initial")
                .type(type)
                .onSuccess(onSuccess)
                .onError(onError)
                .onSettled(onSettled)
                .select(select)
                .build();

        assertThat(options.staleTime()).contains(Duration.ofSeconds(30));
        assertThat(options.gcTime()).contains(Duration.ofMinutes(1));
        assertThat(options.retry()).contains(7);
        assertThat(options.retryDelay()).containsSame(delay);
        assertThat(options.timeout()).contains(Duration.ofSeconds(2));
        assertThat(options.enabled()).isFalse();
        assertThat(options.refetchInterval()).contains(Duration.ofSeconds(15));
        assertThat(options.placeholderData()).contains("loading");
        assertThat(options.initialData()).contains("initial");
        assertThat(options.type()).containsSame(type);
        assertThat(options.onSuccess()).containsSame(onSuccess);
        assertThat(options.onError()).containsSame(onError);
        assertThat(options.onSettled()).containsSame(onSettled);
        assertThat(options.select()).containsSame(select);
    }

    @Test
    void typeFromAClassIsWrappedAsTypeRef() {
        QueryOptions<String> options = QueryOptions.builder(KEY, FN).type(String.class).build();

        assertThat(options.type()).contains(TypeRef.of(String.class));
        assertThat(options.type().orElseThrow().type()).isEqualTo(String.class);
    }

    @Test
    void toBuilderKeepsEverything() {
        RetryDelay delay = RetryDelay.fixed(Duration.ofMillis(5));
        TypeRef<List<String>> type = new TypeRef<List<String>>() { };
        QueryFunction<List<String>> fn = context -> List.of("a");
        Consumer<List<String>> onSuccess = data -> { };
        Consumer<Throwable> onError = error -> { };
        BiConsumer<List<String>, Throwable> onSettled = (data, error) -> { };
        UnaryOperator<List<String>> select = data -> data.subList(0, 1);
        QueryOptions<List<String>> original = QueryOptions.builder(KEY, fn)
                .staleTime(Duration.ofSeconds(30))
                .gcTime(Duration.ofMinutes(1))
                .retry(0)
                .retryDelay(delay)
                .timeout(Duration.ofSeconds(2))
                .enabled(false)
                .refetchInterval(Duration.ofSeconds(15))
                .placeholderData(List.of("loading"))
                .initialData(List.of("initial"))
                .type(type)
                .onSuccess(onSuccess)
                .onError(onError)
                .onSettled(onSettled)
                .select(select)
                .build();

        QueryOptions<List<String>> copy = original.toBuilder().build();

        assertThat(copy).isNotSameAs(original);
        assertThat(copy.key()).isEqualTo(KEY);
        assertThat(copy.function()).containsSame(fn);
        assertThat(copy.asyncFunction()).isEmpty();
        assertThat(copy.staleTime()).contains(Duration.ofSeconds(30));
        assertThat(copy.gcTime()).contains(Duration.ofMinutes(1));
        assertThat(copy.retry()).contains(0);
        assertThat(copy.retryDelay()).containsSame(delay);
        assertThat(copy.timeout()).contains(Duration.ofSeconds(2));
        assertThat(copy.enabled()).isFalse();
        assertThat(copy.refetchInterval()).contains(Duration.ofSeconds(15));
        assertThat(copy.placeholderData()).contains(List.of("loading"));
        assertThat(copy.initialData()).contains(List.of("initial"));
        assertThat(copy.type()).containsSame(type);
        assertThat(copy.onSuccess()).containsSame(onSuccess);
        assertThat(copy.onError()).containsSame(onError);
        assertThat(copy.onSettled()).containsSame(onSettled);
        assertThat(copy.select()).containsSame(select);
    }

    @Test
    void toBuilderKeepsUnsetOptionsUnset() {
        QueryOptions<String> copy = QueryOptions.builder(KEY, FN).retry(2).build().toBuilder().build();

        assertThat(copy.retry()).contains(2);
        assertThat(copy.staleTime()).isEmpty();
        assertThat(copy.gcTime()).isEmpty();
        assertThat(copy.timeout()).isEmpty();
        assertThat(copy.retryDelay()).isEmpty();
        assertThat(copy.type()).isEmpty();
        assertThat(copy.select()).isEmpty();
        assertThat(copy.enabled()).isTrue();
    }

    @Test
    void toBuilderKeepsTheAsyncFunction() {
        QueryOptions<String> copy = QueryOptions.async(KEY, ASYNC_FN).staleTime(Duration.ofSeconds(1)).build()
                .toBuilder().build();

        assertThat(copy.asyncFunction()).containsSame(ASYNC_FN);
        assertThat(copy.function()).isEmpty();
        assertThat(copy.staleTime()).contains(Duration.ofSeconds(1));
    }

    @Test
    void changingADerivedBuilderLeavesTheOriginalAlone() {
        QueryOptions<String> original = QueryOptions.builder(KEY, FN).staleTime(Duration.ofSeconds(30)).build();

        QueryOptions<String> variant = original.toBuilder().staleTime(Duration.ofSeconds(1)).retry(1).build();

        assertThat(variant.staleTime()).contains(Duration.ofSeconds(1));
        assertThat(variant.retry()).contains(1);
        assertThat(original.staleTime()).contains(Duration.ofSeconds(30));
        assertThat(original.retry()).isEmpty();
    }

    @Test
    void negativeDurationsAreRejectedNamingTheOption() {
        QueryOptions.Builder<String> builder = QueryOptions.builder(KEY, FN);

        assertThatThrownBy(() -> builder.staleTime(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("staleTime");
        assertThatThrownBy(() -> builder.gcTime(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gcTime");
        assertThatThrownBy(() -> builder.timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.refetchInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refetchInterval");
    }

    @Test
    void negativeRetryIsRejectedNamingTheOption() {
        assertThatThrownBy(() -> QueryOptions.builder(KEY, FN).retry(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retry")
                .hasMessageContaining("-1");
    }

    @Test
    void zeroTimeoutAndRefetchIntervalAreRejectedNamingTheOption() {
        QueryOptions.Builder<String> builder = QueryOptions.builder(KEY, FN);

        assertThatThrownBy(() -> builder.timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.refetchInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refetchInterval");
    }

    @Test
    void rejectedValueLeavesThePreviousValueInPlace() {
        QueryOptions.Builder<String> builder = QueryOptions.builder(KEY, FN).staleTime(Duration.ofSeconds(3));

        assertThatThrownBy(() -> builder.staleTime(Duration.ofSeconds(-3)))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(builder.build().staleTime()).contains(Duration.ofSeconds(3));
    }

    @Test
    void smallestPositiveTimeoutAndIntervalAreAccepted() {
        QueryOptions<String> options = QueryOptions.builder(KEY, FN)
                .timeout(Duration.ofNanos(1))
                .refetchInterval(Duration.ofNanos(1))
                .build();

        assertThat(options.timeout()).contains(Duration.ofNanos(1));
        assertThat(options.refetchInterval()).contains(Duration.ofNanos(1));
    }

    @Test
    void foreverStaleTimeIsAccepted() {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);

        assertThat(QueryOptions.builder(KEY, FN).staleTime(forever).build().staleTime()).contains(forever);
    }

    @Test
    void nullKeyOrFunctionIsRejectedByName() {
        assertThatThrownBy(() -> QueryOptions.builder(null, FN))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> QueryOptions.builder(KEY, (QueryFunction<String>) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("function");
        assertThatThrownBy(() -> QueryOptions.async(null, ASYNC_FN))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> QueryOptions.async(KEY, (AsyncQueryFunction<String>) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("function");
        assertThatThrownBy(() -> QueryOptions.of(KEY, (QueryFunction<String>) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("function");
    }

    @Test
    void nullOptionValuesAreRejectedByName() {
        QueryOptions.Builder<String> builder = QueryOptions.builder(KEY, FN);

        assertThatThrownBy(() -> builder.staleTime(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("staleTime");
        assertThatThrownBy(() -> builder.gcTime(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("gcTime");
        assertThatThrownBy(() -> builder.retryDelay(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("retryDelay");
        assertThatThrownBy(() -> builder.timeout(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.refetchInterval(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("refetchInterval");
        assertThatThrownBy(() -> builder.placeholderData(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("placeholderData");
        assertThatThrownBy(() -> builder.initialData(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("initialData");
        assertThatThrownBy(() -> builder.type((Class<String>) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> builder.type((TypeRef<String>) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> builder.onSuccess(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("onSuccess");
        assertThatThrownBy(() -> builder.onError(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("onError");
        assertThatThrownBy(() -> builder.onSettled(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("onSettled");
        assertThatThrownBy(() -> builder.select(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("select");
    }

    @Test
    void toStringNamesTheKeyAndSetOptions() {
        String text = QueryOptions.builder(KEY, FN).staleTime(Duration.ofSeconds(30)).build().toString();

        assertThat(text).contains("[\"user\",1]").contains("PT30S");
    }
}

package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.devtools.DevtoolsClusterApps;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The detail panel's "On every instance" section in a real, headless Chromium, with two applications ("a" and "b")
 * on one real Redis: "b" holds an invalidated copy of the key while "a" holds a fresh one, and a's page lists both,
 * each with the time its data was updated. Screenshot: {@code target/devtools-every-instance.png}. Skipped without
 * {@code redis-server} or without Chromium and its driver.
 */
class DevtoolsEveryInstanceBrowserTest {

    private DevtoolsClusterApps apps;
    private DevtoolsBrowser browser;

    @AfterEach
    void close() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (apps != null) {
                apps.close();
            }
        }
    }

    @Test
    void theEveryInstanceViewShowsAFreshCopyHereAndAnInvalidatedCopyThere() throws Exception {
        browser = DevtoolsBrowser.open(1600, 1200); // skips without Chromium, before any application starts
        // Not the sample's application.yml (port 8080, a SQLite L2): the fixture's bare applications, L2 in Redis.
        apps = DevtoolsClusterApps.startTwo("spring.config.name=devtools-every-instance");
        QueryKey key = QueryKey.of("product", 1);
        QueryClient a = apps.client("a");
        QueryClient b = apps.client("b");
        // Both copies are invalidated (b's through the bus); a then refetches, b, unobserved, keeps its old data.
        apps.freshHereInvalidatedThere(key, "a", "b", new AtomicInteger());
        assertThat(a.getQueryState(key).orElseThrow().invalidated()).isFalse();
        Instant aUpdated = apps.dataUpdatedAt("a", key);
        Instant bUpdated = apps.dataUpdatedAt("b", key);

        WebDriverWait wait = browser.waiting();
        browser.driver().get("http://127.0.0.1:" + apps.port("a") + "/stackquery");
        wait.until(d -> {
            WebElement row = row(d, key.canonical());
            if (row != null) {
                row.findElement(By.cssSelector("td.key")).click();
            }
            return row != null;
        });
        wait.until(d -> d.findElement(By.id("detail")).isDisplayed()
                && key.canonical().equals(d.findElement(By.id("d-key")).getText()));
        wait.until(d -> instanceRows(d).size() == 2);

        List<WebElement> rows = instanceRows(browser.driver());
        assertThat(rows).extracting(tr -> tr.getAttribute("data-instance")).containsExactly("a", "b");
        List<String> onA = cells(rows.get(0));
        List<String> onB = cells(rows.get(1));
        assertThat(onA.get(0)).isEqualTo("a (this one)");
        assertThat(onA.get(1)).startsWith("success · idle · fresh · updated ")
                .endsWith("updated " + shownTime(aUpdated)).doesNotContain("invalidated");
        assertThat(onB.get(0)).isEqualTo("b");
        assertThat(onB.get(1)).startsWith("success · idle · invalidated · updated ")
                .endsWith("updated " + shownTime(bUpdated));
        assertThat(onA.get(1)).matches(".* updated \\d\\d:\\d\\d:\\d\\d");
        assertThat(onB.get(1)).matches(".* updated \\d\\d:\\d\\d:\\d\\d");
        assertThat(bUpdated).isBefore(aUpdated);

        ((JavascriptExecutor) browser.driver()).executeScript("arguments[0].scrollIntoView()",
                browser.driver().findElement(By.id("d-instances")));
        assertThat(Files.size(browser.screenshot("devtools-every-instance.png"))).isPositive();
    }

    /** {@code instant} as the page shows it: the browser's local HH:MM:SS. */
    private String shownTime(Instant instant) {
        return (String) ((JavascriptExecutor) browser.driver()).executeScript(
                "var t = new Date(arguments[0]), two = function (n) { return String(n).padStart(2, '0'); };"
                        + " return two(t.getHours()) + ':' + two(t.getMinutes()) + ':' + two(t.getSeconds());",
                instant.toString());
    }

    private static WebElement row(WebDriver browser, String key) {
        return browser.findElements(By.cssSelector("#rows tr")).stream()
                .filter(tr -> key.equals(tr.getAttribute("data-key"))).findFirst().orElse(null);
    }

    private static List<WebElement> instanceRows(WebDriver browser) {
        return browser.findElements(By.cssSelector("#d-instances tr[data-instance]"));
    }

    private static List<String> cells(WebElement row) {
        return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    }
}

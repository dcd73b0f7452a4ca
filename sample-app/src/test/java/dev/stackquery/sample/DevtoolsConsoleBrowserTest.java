package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;

import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * The devtools console in a real, headless Chromium: the detail panel of a clicked row (options, L2 age, data,
 * actions and state controls), the timeline after a fetch and an invalidation, and charts that move with traffic.
 * Screenshots: {@code target/devtools-detail.png}, {@code devtools-timeline.png}, {@code devtools-charts-before.png}
 * and {@code devtools-charts-after.png}. Same application as {@link DevtoolsBrowserTest} (state controls on, values
 * shown as the sample's {@code application.yml} says, writes behind Spring Security's CSRF protection).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:sqlite:target/devtools-test-${random.uuid}.db", "sample.upstream.latency=200ms",
        "sample.upstream.failure-rate=0", "sample.product-stale-time=1h", "stackquery.devtools.state-controls=true" })
@Import(DevtoolsBrowserSecurity.class)
class DevtoolsConsoleBrowserTest {

    @LocalServerPort
    int port;

    private DevtoolsBrowser browser;
    private WebDriverWait wait;

    @BeforeEach
    void openBrowser() {
        browser = DevtoolsBrowser.open(1600, 1200);
        wait = browser.waiting();
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aClickedRowOpensItsDetailWithOptionsL2AgeDataAndActions() throws Exception {
        String key = "[\"product\",3]";
        assertThat(call("/products/3")).contains("\"id\":3");
        page();

        wait.until(b -> {
            WebElement row = row(b, key);
            if (row != null) {
                row.findElement(By.cssSelector("td.key")).click();
            }
            return row != null;
        });
        wait.until(b -> b.findElement(By.id("detail")).isDisplayed()
                && key.equals(b.findElement(By.id("d-key")).getText()));
        wait.until(b -> "1h".equals(optionValue(b, "staleTime")));
        assertThat(optionValue(browser.driver(), "type")).contains("Optional", "Product");
        assertThat(optionValue(browser.driver(), "retry")).isEqualTo("2"); // the sample's default
        // The L2 (SQLite) write is queued; the panel refreshes until the entry is there.
        wait.until(b -> b.findElement(By.id("d-l2")).getText().startsWith("age "));
        assertThat(browser.driver().findElement(By.id("d-data")).getText()).contains("\"id\": 3", "\"name\"");
        wait.until(b -> !b.findElement(By.id("d-instances")).getText().equals("…"));
        assertThat(browser.driver().findElement(By.id("d-instances")).getText())
                .containsAnyOf("not configured", "Not available", "this one");
        assertThat(browser.driver().findElement(By.id("d-history")).getText()).contains("success");
        assertThat(Files.size(browser.screenshot("devtools-detail.png"))).isPositive();

        detailButton("force-error").click();
        wait.until(b -> b.findElement(By.id("d-status")).getText().startsWith("error")
                && b.findElement(By.id("d-error")).getText().contains("forced by the StackQuery devtools"));
        wait.until(b -> "error".equals(badge(b, key)));

        detailButton("restore").click();
        wait.until(b -> b.findElement(By.id("d-status")).getText().equals("success · idle"));

        detailButton("invalidate").click();
        wait.until(b -> "invalidated".equals(freshness(b, key)));
    }

    @Test
    void theTimelineShowsAFetchAndThenAnInvalidation() throws Exception {
        String key = "[\"product\",4]";
        call("/products/4");
        page();
        browser.driver().findElement(By.id("ev-key")).sendKeys("product\",4");
        wait.until(b -> !timeline(b, key, "FetchSucceeded").isEmpty());
        WebElement fetched = timeline(browser.driver(), key, "FetchSucceeded").get(0);
        assertThat(fetched.getText()).contains(" ms");

        Http.Answer invalidated = new Http(port).post("/actuator/queries",
                "{\"action\":\"invalidate\",\"key\":\"[\\\"product\\\",4]\"}");
        assertThat(invalidated.status()).isEqualTo(200);
        wait.until(b -> !timeline(b, key, "Invalidated").isEmpty());
        assertThat(timeline(browser.driver(), key, "Invalidated").get(0).getText()).contains("local");

        // The type filter leaves the invalidations only.
        new Select(browser.driver().findElement(By.id("ev-type"))).selectByVisibleText("Invalidated");
        wait.until(b -> timeline(b, key, "FetchSucceeded").isEmpty() && !timeline(b, key, "Invalidated").isEmpty());
        scrollTo("ev-key");
        assertThat(Files.size(browser.screenshot("devtools-timeline.png"))).isPositive();
    }

    @Test
    void theChartsMoveWithTraffic() throws Exception {
        page();
        wait.until(b -> attribute(b, "chart-fetches", "data-total") != null);
        long fetchesBefore = Long.parseLong(attribute(browser.driver(), "chart-fetches", "data-total"));
        long lookupsBefore = Long.parseLong(attribute(browser.driver(), "chart-hits", "data-lookups"));
        assertThat(Files.size(browser.screenshot("devtools-charts-before.png"))).isPositive();

        for (int id = 5; id <= 9; id++) {
            call("/products/" + id);
            call("/products/" + id); // a hit
        }
        wait.until(b -> Long.parseLong(attribute(b, "chart-fetches", "data-total")) >= fetchesBefore + 5
                && Long.parseLong(attribute(b, "chart-hits", "data-lookups")) >= lookupsBefore + 10);
        wait.until(b -> Integer.parseInt(attribute(b, "chart-latency", "data-points")) >= 1
                && Integer.parseInt(attribute(b, "chart-fetches", "data-points")) >= 1);
        assertThat(Double.parseDouble(attribute(browser.driver(), "chart-hits", "data-l1"))).isBetween(0.0, 1.0);
        assertThat(Long.parseLong(attribute(browser.driver(), "chart-status", "data-total"))).isGreaterThanOrEqualTo(5);
        assertThat(Files.size(browser.screenshot("devtools-charts-after.png"))).isPositive();

        // Everything the page loaded or called while it drew and polled came from the application itself.
        @SuppressWarnings("unchecked")
        List<String> fetched = (List<String>) ((JavascriptExecutor) browser.driver()).executeScript(
                "return performance.getEntries().map(function (e) { return e.name; })"
                        + ".filter(function (n) { return n.indexOf('://') > 0; });");
        assertThat(fetched).as("the page's requests").isNotEmpty()
                .anySatisfy(url -> assertThat(url).endsWith("/stackquery/devtools.js"))
                .anySatisfy(url -> assertThat(url).contains("/stackquery/api/stats"))
                .allSatisfy(url -> assertThat(url).startsWith("http://127.0.0.1:" + port + "/"));
    }

    private void page() {
        browser.driver().get("http://127.0.0.1:" + port + "/stackquery");
    }

    private WebElement detailButton(String action) {
        return browser.driver().findElement(By.cssSelector("#detail button[data-detail-action='" + action + "']"));
    }

    private void scrollTo(String id) {
        ((JavascriptExecutor) browser.driver()).executeScript("arguments[0].scrollIntoView()",
                browser.driver().findElement(By.id(id)));
    }

    private static WebElement row(WebDriver browser, String key) {
        return browser.findElements(By.cssSelector("#rows tr")).stream()
                .filter(tr -> key.equals(tr.getAttribute("data-key"))).findFirst().orElse(null);
    }

    private static String badge(WebDriver browser, String key) {
        WebElement row = row(browser, key);
        return row == null ? null : row.findElements(By.cssSelector("span.badge")).get(0).getText();
    }

    private static String freshness(WebDriver browser, String key) {
        WebElement row = row(browser, key);
        return row == null ? null : row.findElement(By.cssSelector("td.freshness")).getText();
    }

    private static String optionValue(WebDriver browser, String option) {
        List<WebElement> cells = browser.findElements(By.cssSelector("#d-options tr[data-option='" + option
                + "'] td.value"));
        return cells.isEmpty() ? null : cells.get(0).getText();
    }

    private static List<WebElement> timeline(WebDriver browser, String key, String type) {
        return browser.findElements(By.cssSelector("#events tr[data-type='" + type + "']")).stream()
                .filter(tr -> key.equals(tr.getAttribute("data-key"))).toList();
    }

    private static String attribute(WebDriver browser, String id, String name) {
        return browser.findElement(By.id(id)).getAttribute(name);
    }

    private String call(String path) {
        return new Http(port).get(path).body();
    }
}

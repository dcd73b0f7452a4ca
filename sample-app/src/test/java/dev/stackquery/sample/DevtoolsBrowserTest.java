package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * The devtools page in a real, headless Chromium (see {@link DevtoolsBrowser}): a query made through the API appears
 * on the page; Invalidate marks it; the next read refetches it and the page shows the new data time without a reload.
 * The console is behind real Spring Security with its CSRF protection on ({@link DevtoolsBrowserSecurity}): a write
 * without the token is refused, while the page's button, which sends the token the page carries, works. Leaves a
 * screenshot in {@code target/devtools.png}. Shares its application with {@link DevtoolsConsoleBrowserTest}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:sqlite:target/devtools-test-${random.uuid}.db", "sample.upstream.latency=200ms",
        "sample.upstream.failure-rate=0", "sample.product-stale-time=1h", "stackquery.devtools.state-controls=true" })
@Import(DevtoolsBrowserSecurity.class)
class DevtoolsBrowserTest {

    private static final String PRODUCT = "[\"product\",2]";
    private static final QueryKey KEY = SampleController.productKey(2);

    @LocalServerPort
    int port;

    @Autowired
    QueryClient client;

    private DevtoolsBrowser browser;

    @BeforeEach
    void openBrowser() {
        browser = DevtoolsBrowser.open(1400, 800);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aQueryAppearsIsInvalidatedAndRefetchesOnThePage() throws Exception {
        assertThat(call("/products/2")).contains("Ink, blue");

        browser.driver().get("http://127.0.0.1:" + port + "/stackquery");
        // The page rebuilds a row when its query changes: look rows up afresh rather than hold on to them.
        WebDriverWait wait = browser.waiting();
        WebElement row = wait.until(b -> row(b));
        String firstUpdate = row.findElement(By.cssSelector("td.updated")).getAttribute("data-updated-at");
        assertThat(row.findElement(By.cssSelector("td.freshness")).getText()).isEqualTo("fresh");
        assertThat(browser.driver().findElement(By.cssSelector("meta[name='csrf-header']")).getAttribute("content"))
                .as("Spring Security's token, carried by the page").isEqualTo("X-CSRF-TOKEN");

        // Spring Security's CSRF protection is on: the same write without the page's token is refused.
        Http.Answer forged = new Http(port).post("/stackquery/api/actions",
                "{\"action\":\"invalidate\",\"key\":\"[\\\"product\\\",2]\"}");
        assertThat(forged.status()).isEqualTo(403);
        assertThat(client.getQueryState(KEY).orElseThrow().invalidated()).as("nothing changed").isFalse();

        // The filter narrows the table to matching keys.
        browser.driver().findElement(By.id("filter")).sendKeys("product\",2");
        wait.until(b -> b.findElements(By.cssSelector("#rows tr")).size() == 1);

        wait.until(b -> {
            row(b).findElement(By.cssSelector("button[data-action='invalidate']")).click();
            return true;
        });
        wait.until(b -> "invalidated".equals(text(b, "td.freshness")));
        assertThat(client.getQueryState(KEY).orElseThrow().invalidated()).as("the button's write passed").isTrue();

        // A read of invalidated data serves it at once and refetches it; the page follows without a reload.
        assertThat(call("/products/2")).contains("Ink, blue");
        wait.until(b -> {
            WebElement current = row(b);
            return current != null && !firstUpdate.equals(current.findElement(By.cssSelector("td.updated"))
                    .getAttribute("data-updated-at")) && "fresh".equals(text(b, "td.freshness"));
        });

        Path shot = browser.screenshot("devtools.png");
        assertThat(Files.size(shot)).isPositive();
    }

    private static WebElement row(WebDriver browser) {
        return browser.findElements(By.cssSelector("#rows tr")).stream()
                .filter(tr -> PRODUCT.equals(tr.getAttribute("data-key"))).findFirst().orElse(null);
    }

    private static String text(WebDriver browser, String cell) {
        WebElement row = row(browser);
        return row == null ? null : row.findElement(By.cssSelector(cell)).getText();
    }

    private String call(String path) {
        return new Http(port).get(path).body();
    }
}

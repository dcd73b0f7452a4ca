package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The devtools page in a real, headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs): a query made through the API appears on the page; Invalidate marks it; the next read
 * refetches it and the page shows the new data time without a reload. Leaves a screenshot in
 * {@code target/devtools.png}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:sqlite:target/devtools-test-${random.uuid}.db", "sample.upstream.latency=200ms",
        "sample.upstream.failure-rate=0", "sample.product-stale-time=1h" })
class DevtoolsBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getProperty("chromium.driver", "/usr/bin/chromedriver"));
    private static final String PRODUCT = "[\"product\",2]";

    @LocalServerPort
    int port;

    private WebDriver browser;

    @BeforeEach
    void openBrowser() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "SKIPPED: no " + CHROMIUM + " or " + DRIVER + "; install chromium and chromium-driver (apt-get) to run"
                        + " the browser test");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,800", "--remote-allow-origins=*");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aQueryAppearsIsInvalidatedAndRefetchesOnThePage() throws Exception {
        assertThat(call("/products/2")).contains("Ink, blue");

        browser.get("http://127.0.0.1:" + port + "/stackquery");
        // The page rebuilds a row when its query changes: look rows up afresh rather than hold on to them.
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.ignoring(StaleElementReferenceException.class);
        WebElement row = wait.until(b -> row(b));
        String firstUpdate = row.findElement(By.cssSelector("td.updated")).getAttribute("data-updated-at");
        assertThat(row.findElement(By.cssSelector("td.freshness")).getText()).isEqualTo("fresh");

        // The filter narrows the table to matching keys.
        browser.findElement(By.id("filter")).sendKeys("product");
        wait.until(b -> b.findElements(By.cssSelector("#rows tr")).size() == 1);

        wait.until(b -> {
            row(b).findElement(By.cssSelector("button[data-action='invalidate']")).click();
            return true;
        });
        wait.until(b -> "invalidated".equals(text(b, "td.freshness")));

        // A read of invalidated data serves it at once and refetches it; the page follows without a reload.
        assertThat(call("/products/2")).contains("Ink, blue");
        wait.until(b -> {
            WebElement current = row(b);
            return current != null && !firstUpdate.equals(current.findElement(By.cssSelector("td.updated"))
                    .getAttribute("data-updated-at")) && "fresh".equals(text(b, "td.freshness"));
        });

        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "devtools.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(target)).isPositive();
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

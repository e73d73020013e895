package dev.tollgate.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A headless Chromium driven through its chromedriver, for the pages the library serves. The
 * browser is the machine's {@code chromium} and the driver its {@code chromedriver} (Debian's
 * {@code chromium} and {@code chromium-driver} packages), both found on the PATH, or named by
 * {@code -Dtollgate.chromium=<file>} and {@code -Dtollgate.chromedriver=<file>}. Missing, the
 * test fails when {@code CI=true} and is skipped with a message otherwise, as with Redis.
 *
 * <p>Both executables are given to Selenium, so Selenium Manager never runs: nothing is looked
 * up or downloaded. Starting takes a second or two: start one per test class
 * ({@code @BeforeAll}) and close it in {@code @AfterAll}. Closing quits the browser, ends any of
 * its processes still running and deletes its profile; a browser a test never closes is closed
 * when the JVM exits.
 */
public final class Chromium implements AutoCloseable {

    public static final String BROWSER_PROPERTY = "tollgate.chromium";
    public static final String DRIVER_PROPERTY = "tollgate.chromedriver";

    /**
     * Headless, without the sandbox (it needs privileges a build container lacks) or a GPU, and
     * quiet: no update checks, sync, first-run pages or QUIC, so that the only network traffic is
     * the test's own.
     */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--window-size=1280,900");

    /** Browsers started and not yet closed, closed on JVM exit as a backstop. */
    private static final Set<Chromium> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(Chromium::close), "chromium-reaper"));
    }

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;
    /** The SEVERE console entries of the page opened last, read so far. */
    private final List<String> errors = new ArrayList<>();

    private Chromium(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts a headless Chromium with a new, empty profile. */
    public static Chromium start() throws IOException {
        Path browser = executable(BROWSER_PROPERTY, "chromium");
        Path chromedriver = executable(DRIVER_PROPERTY, "chromedriver");
        Path profile = Files.createTempDirectory("tollgate-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments(FLAGS);
        options.addArguments("--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        // With the driver given, Selenium's DriverFinder takes it as is and never runs Selenium
        // Manager, which would otherwise look for a driver and a browser and download what it misses.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.close();
            deleteTree(profile);
            throw e;
        }
        Chromium chromium = new Chromium(service, driver, profile);
        OPEN.add(chromium);
        return chromium;
    }

    /** Opens {@code url} and waits for it to load; forgets the console errors of the page before. */
    public void open(String url) {
        consoleErrors();
        errors.clear();
        driver.get(url);
    }

    /**
     * The rendered text of the first element matching {@code cssSelector}, read in the page in one
     * step (so a page that redraws the element meanwhile cannot make it stale); fails when none does.
     */
    public String text(String cssSelector) {
        Object text = driver.executeScript("var e = document.querySelector(arguments[0]); return e === null ? null : e.innerText;",
                cssSelector);
        if (text == null) {
            throw new AssertionError("no element matches [" + cssSelector + "]");
        }
        return (String) text;
    }

    /** Waits up to {@link Wait#DEFAULT} for an element matching {@code cssSelector} whose text {@code pattern} finds; returns the text. */
    public String waitForText(String cssSelector, Pattern pattern) throws Exception {
        return waitForText(cssSelector, pattern, Wait.DEFAULT);
    }

    /** Waits up to {@code timeout} for an element matching {@code cssSelector} whose text {@code pattern} finds; returns the text. */
    public String waitForText(String cssSelector, Pattern pattern, Duration timeout) throws Exception {
        return Wait.until("the text of [" + cssSelector + "] to match [" + pattern + "]", timeout,
                () -> textIfPresent(cssSelector), text -> text != null && pattern.matcher(text).find());
    }

    /** The text, or {@code null} while no element matches or the page is replacing the element. */
    private String textIfPresent(String cssSelector) {
        try {
            List<WebElement> found = driver.findElements(By.cssSelector(cssSelector));
            return found.isEmpty() ? null : found.get(0).getText();
        } catch (StaleElementReferenceException e) {
            return null;
        }
    }

    /** Runs {@code script} in the page as the body of a function of {@code args}, and returns what it returns. */
    public Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /**
     * Saves a PNG of the viewport to {@code png}, creating its directory; returns {@code png}. The
     * viewport is as wide as the window and less high: headless Chromium keeps room for its bars.
     */
    public Path screenshot(Path png) throws IOException {
        byte[] image = driver.getScreenshotAs(OutputType.BYTES);
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return Files.write(png, image);
    }

    /**
     * The messages of the console's SEVERE entries since the page was opened: script errors,
     * failed loads (a 404 for /favicon.ico too), and Content-Security-Policy violations
     * ({@code "<url> 3 Executing inline script violates the following Content Security Policy
     * directive 'script-src 'none''. ..."}; the wording changes between Chromium versions).
     */
    public List<String> consoleErrors() {
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(entry.getMessage());
            }
        }
        return List.copyOf(errors);
    }

    /** Quits the browser and the driver, ends any of their processes still running, and deletes the profile. */
    @Override
    public void close() {
        if (!OPEN.remove(this)) {
            return;
        }
        List<ProcessHandle> processes = driverProcesses();
        try {
            driver.quit();
        } catch (RuntimeException e) {
            // A browser that crashed cannot be quit; its processes are ended below.
        } finally {
            service.close();
            end(processes);
            deleteTree(profile);
        }
    }

    /**
     * The chromedriver of this browser and every process under it (the browser's own, renderers,
     * zygotes), taken before quitting: a process whose parent has exited is no longer under it.
     * Selenium starts the driver with {@code --port=<its port>}.
     */
    private List<ProcessHandle> driverProcesses() {
        String port = "--port=" + service.getUrl().getPort();
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.current().children()
                .filter(p -> Arrays.asList(p.info().arguments().orElse(new String[0])).contains(port))
                .forEach(p -> {
                    processes.add(p);
                    p.descendants().forEach(processes::add);
                });
        return processes;
    }

    /** Gives {@code processes} 5 s to exit after quitting, then kills those left and waits for them as long. */
    private static void end(List<ProcessHandle> processes) {
        List<ProcessHandle> left = waitForExit(processes);
        left.forEach(ProcessHandle::destroyForcibly);
        waitForExit(left);
    }

    private static List<ProcessHandle> waitForExit(List<ProcessHandle> processes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<ProcessHandle> left = running(processes);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
            left = running(left);
        }
        return left;
    }

    /**
     * Those of {@code processes} still running. A zombie has exited: a browser process whose parent
     * exited first waits for PID 1 to reap it, which some machines' PID 1 does only every second or so.
     */
    static List<ProcessHandle> running(List<ProcessHandle> processes) {
        return processes.stream().filter(p -> p.isAlive() && !zombie(p)).toList();
    }

    private static boolean zombie(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.startsWith(" Z", stat.lastIndexOf(')') + 1);
        } catch (IOException e) {
            return false;
        }
    }

    /** The executable named by {@code property}, else {@code name} on the PATH; fails or skips the test without it. */
    private static Path executable(String property, String name) {
        String named = System.getProperty(property);
        if (named != null) {
            Path file = Path.of(named);
            if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                return file;
            }
            return missing("-D" + property + "=[" + named + "] is not an executable file.");
        }
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(file -> Files.isRegularFile(file) && Files.isExecutable(file))
                .findFirst();
        return found.orElseGet(() -> missing("No [" + name + "] on the PATH."));
    }

    private static Path missing(String why) {
        String message = why + " The browser tests need Chromium and its chromedriver: install them with "
                + "'apt-get install chromium chromium-driver', or name them with -D" + BROWSER_PROPERTY + "=<file> and -D"
                + DRIVER_PROPERTY + "=<file>.";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            return Assertions.fail(message + " CI=true: browser tests must run in CI.");
        }
        return Assumptions.abort(message);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the browser profile " + dir, e);
        }
    }
}

package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * An extension skip-path for the files of the container's own default servlet, deploying
 * {@code src/test/webapps/skip-static}: both filters skip {@code *.css}, {@code /api/*} is the
 * API, and nothing of the application is mapped to {@code /}, so the container's default servlet
 * serves the real files under {@code static/}.
 */
class SkipStaticIT extends ContainerCases {

    @Override
    EmbeddedContainer newContainer() {
        return container.withDefaultServlet();
    }

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("skip-static");
    }

    @Test
    void shouldServeAFileOfTheContainersDefaultServletWithoutAKeyAndUncounted() throws Exception {
        Http.Response r = Http.get(port, "/static/site.css");
        assertEquals(200, r.status(), r::toString);
        assertEquals(Files.readString(EmbeddedContainer.webapp("skip-static").resolve("static/site.css")), r.body(),
                "the file itself, from the default servlet");
        assertTrue(r.header("Content-Type").startsWith("text/css"), r::toString);
        assertNull(r.header("X-Throttle-Remaining"), "not counted");
    }

    @Test
    void shouldCheckAFileOfTheDefaultServletWhoseExtensionIsNotSkipped() throws Exception {
        assertEquals(401, Http.get(port, "/static/page.html").status());
        Http.Response r = Http.get(port, "/static/page.html", "X-API-KEY: alice-key-0123456789");
        assertEquals(200, r.status(), r::toString);
        assertTrue(r.body().contains("A static page"), r::body);
        assertNotNull(r.header("X-Throttle-Remaining"), "counted");
    }

    @Test
    void shouldNotSkipAnApiPathThatEndsInASkippedExtension() throws Exception {
        assertEquals(401, Http.get(port, "/api/site.css").status());
    }
}

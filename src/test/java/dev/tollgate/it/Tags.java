package dev.tollgate.it;

/** JUnit tags of the integration cases. */
final class Tags {

    /**
     * A case whose outcome cannot depend on the servlet API level or the container's version: what
     * it proves is the store's or the keys file's own behaviour (how Lettuce meets a dead Redis, a
     * file re-read), with the containers only carrying the requests. The main build runs it on
     * each container; the javax build (Tomcat 9, Jetty 10) leaves it out, and keeps every case
     * where the container's own code takes part (dispatches, error pages, async, redeploys,
     * parsing, rendering) and one outage case under load (Redis paused: every request thread waits
     * on it until the timeout).
     */
    static final String CONTAINER_INDEPENDENT = "container-independent";

    private Tags() {
    }
}

package dev.tollgate.it;

/**
 * The containers that every {@link ContainerCases} class runs its cases on, one invocation of the
 * class each (Tomcat 9 and Jetty 10 in the javax build). Another container is one more value.
 */
enum Container {
    JETTY {
        @Override
        EmbeddedContainer plain() {
            return EmbeddedContainer.jetty();
        }

        @Override
        EmbeddedContainer hardened() {
            return EmbeddedContainer.jettyHardened();
        }

        /** A Jetty web application always has Jetty's default servlet. */
        @Override
        EmbeddedContainer withDefaultServlet() {
            return EmbeddedContainer.jetty();
        }
    },
    TOMCAT {
        @Override
        EmbeddedContainer plain() {
            return EmbeddedContainer.tomcat();
        }

        @Override
        EmbeddedContainer hardened() {
            return EmbeddedContainer.tomcatHardened();
        }

        @Override
        EmbeddedContainer withDefaultServlet() {
            return EmbeddedContainer.tomcatWithDefaultServlet();
        }
    };

    /** The container as the cases usually run on it. */
    abstract EmbeddedContainer plain();

    /** Set up as docs/hardening.md ("Hardening the container") says. */
    abstract EmbeddedContainer hardened();

    /** With the container's own default servlet on {@code /}, as an installation deploys a WAR. */
    abstract EmbeddedContainer withDefaultServlet();
}

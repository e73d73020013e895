package dev.tollgate.it;

class JettyHttpFuzzIT extends HttpFuzzCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

package dev.tollgate.it;

class JettyRateLimitIT extends RateLimitCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

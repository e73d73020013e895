package dev.tollgate.it;

class TomcatRateLimitIT extends RateLimitCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

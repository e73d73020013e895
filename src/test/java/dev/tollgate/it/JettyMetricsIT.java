package dev.tollgate.it;

class JettyMetricsIT extends MetricsCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

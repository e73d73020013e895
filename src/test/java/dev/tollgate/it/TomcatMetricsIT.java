package dev.tollgate.it;

class TomcatMetricsIT extends MetricsCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

package dev.tollgate.it;

class JettyPlanCheckIT extends PlanCheckCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

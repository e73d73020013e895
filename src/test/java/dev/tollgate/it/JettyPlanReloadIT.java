package dev.tollgate.it;

class JettyPlanReloadIT extends PlanReloadCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

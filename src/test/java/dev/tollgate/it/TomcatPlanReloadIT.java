package dev.tollgate.it;

class TomcatPlanReloadIT extends PlanReloadCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

package dev.tollgate.it;

class TomcatPlanCheckIT extends PlanCheckCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

package dev.tollgate.it;

class TomcatRolloutIT extends RolloutCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

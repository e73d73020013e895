package dev.tollgate.it;

class JettyRolloutIT extends RolloutCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

package dev.tollgate.it;

class JettyFailedKeyFilterStartupIT extends FailedKeyFilterStartupCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

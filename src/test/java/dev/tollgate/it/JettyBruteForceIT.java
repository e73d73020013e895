package dev.tollgate.it;

class JettyBruteForceIT extends BruteForceCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

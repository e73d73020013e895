package dev.tollgate.it;

class JettyTwoKeyFiltersIT extends TwoKeyFiltersCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}

package dev.tollgate.it;

class TomcatTwoKeyFiltersIT extends TwoKeyFiltersCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

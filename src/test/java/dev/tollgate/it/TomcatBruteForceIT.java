package dev.tollgate.it;

class TomcatBruteForceIT extends BruteForceCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}

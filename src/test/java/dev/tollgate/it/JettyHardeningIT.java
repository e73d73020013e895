package dev.tollgate.it;

class JettyHardeningIT extends ContainerHardeningCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jettyHardened();
    }
}

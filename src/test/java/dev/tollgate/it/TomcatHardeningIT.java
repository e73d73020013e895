package dev.tollgate.it;

class TomcatHardeningIT extends ContainerHardeningCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcatHardened();
    }
}

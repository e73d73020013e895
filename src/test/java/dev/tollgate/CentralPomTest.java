package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * pom.xml carries what Maven Central requires of a published POM, so that a missing element fails
 * the normal build, not the upload: name, description, url, a license, a developer, the SCM, and
 * the -sources and -javadoc jars; and the release profile pins its signing and publishing plugins.
 * The POM is read with the JDK's XML parser: no Maven model on the test classpath.
 */
class CentralPomTest {

    private static Element project;

    @BeforeAll
    static void readPom() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        project = factory.newDocumentBuilder().parse(Path.of("pom.xml").toFile()).getDocumentElement();
    }

    @Test
    void shouldHaveCoordinatesNameDescriptionAndUrl() {
        for (String element : List.of("groupId", "artifactId", "version", "name", "description", "url")) {
            assertNonBlank(project, element);
        }
    }

    @Test
    void shouldDeclareTheApacheLicenseThatTheLicenseFileHolds() throws Exception {
        List<Element> licenses = children(child(project, "licenses"), "license");
        assertFalse(licenses.isEmpty(), "pom.xml: <licenses> has a <license>");
        for (Element license : licenses) {
            assertNonBlank(license, "name");
            assertNonBlank(license, "url");
        }
        assertEquals("Apache License, Version 2.0", text(licenses.get(0), "name"));
        assertEquals("https://www.apache.org/licenses/LICENSE-2.0.txt", text(licenses.get(0), "url"));
        String file = Files.readString(Path.of("LICENSE"), StandardCharsets.UTF_8);
        assertTrue(file.contains("Apache License\n                           Version 2.0, January 2004"),
                "LICENSE holds the Apache License 2.0");
    }

    @Test
    void shouldNameADeveloper() {
        List<Element> developers = children(child(project, "developers"), "developer");
        assertFalse(developers.isEmpty(), "pom.xml: <developers> has a <developer>");
        for (Element developer : developers) {
            assertNonBlank(developer, "name");
        }
    }

    @Test
    void shouldHaveScmUrlAndConnections() {
        Element scm = child(project, "scm");
        for (String element : List.of("url", "connection", "developerConnection")) {
            assertNonBlank(scm, element);
        }
        assertTrue(text(scm, "connection").startsWith("scm:git:"), "scm/connection starts with scm:git:");
        assertTrue(text(scm, "developerConnection").startsWith("scm:git:"), "scm/developerConnection starts with scm:git:");
    }

    /**
     * What a Maven user of the local store gets: the filters' own libraries and no more. The Redis
     * store's (bucket4j's Lettuce module and Lettuce) and Micrometer are optional: who uses them
     * declares them, as the README (Install) and docs/metrics.md say.
     */
    @Test
    void shouldGiveMavenUsersOnlyWhatTheLocalStoreNeeds() {
        List<String> given = new ArrayList<>();
        for (Element dependency : children(child(project, "dependencies"), "dependency")) {
            String scope = text(dependency, "scope");
            boolean optional = "true".equals(text(dependency, "optional"));
            if (!optional && (scope.isEmpty() || scope.equals("compile") || scope.equals("runtime"))) {
                given.add(text(dependency, "groupId") + ":" + text(dependency, "artifactId"));
            }
        }
        assertEquals(List.of("com.fasterxml.jackson.core:jackson-databind", "org.slf4j:slf4j-api", "com.bucket4j:bucket4j_jdk17-core",
                "com.github.ben-manes.caffeine:caffeine"), given);
    }

    @Test
    void shouldBuildSourcesAndJavadocJarsInTheNormalBuild() {
        Element plugins = child(child(project, "build"), "plugins");
        assertTrue(goals(plugins, "maven-source-plugin").contains("jar-no-fork"), "the build runs maven-source-plugin jar-no-fork");
        assertTrue(goals(plugins, "maven-javadoc-plugin").contains("jar"), "the build runs maven-javadoc-plugin jar");
    }

    @Test
    void shouldSignAndStageOnlyInTheReleaseProfileWithPinnedPlugins() {
        Element buildPlugins = child(child(project, "build"), "plugins");
        assertTrue(plugin(buildPlugins, "maven-gpg-plugin").isEmpty(), "signing is not in the normal build");
        assertTrue(plugin(buildPlugins, "central-publishing-maven-plugin").isEmpty(), "publishing is not in the normal build");

        Element release = children(child(project, "profiles"), "profile").stream()
                .filter(p -> "release".equals(text(p, "id")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("pom.xml has a profile with id release"));
        Element plugins = child(child(release, "build"), "plugins");

        Element gpg = plugin(plugins, "maven-gpg-plugin").orElseThrow(() -> new AssertionError("the release profile signs with maven-gpg-plugin"));
        assertEquals("org.apache.maven.plugins", text(gpg, "groupId"));
        assertPinned(gpg);
        assertTrue(goals(plugins, "maven-gpg-plugin").contains("sign"), "maven-gpg-plugin runs sign");

        Element central = plugin(plugins, "central-publishing-maven-plugin")
                .orElseThrow(() -> new AssertionError("the release profile publishes with central-publishing-maven-plugin"));
        assertEquals("org.sonatype.central", text(central, "groupId"));
        assertPinned(central);
        assertEquals("true", text(central, "extensions"), "central-publishing-maven-plugin is an extension (it replaces deploy)");
        Element configuration = child(central, "configuration");
        assertEquals("false", text(configuration, "autoPublish"), "a deployment waits to be published by hand");
        assertNonBlank(configuration, "publishingServerId");
    }

    private static void assertPinned(Element plugin) {
        String version = text(plugin, "version");
        assertTrue(version.matches("\\d+(\\.\\d+)+"), text(plugin, "artifactId") + " has a pinned release version, not [" + version + "]");
    }

    private static void assertNonBlank(Element parent, String name) {
        assertFalse(text(parent, name).isBlank(), "pom.xml: <" + parent.getLocalName() + "> has a non-blank <" + name + ">");
    }

    /** The goals of every execution of the plugin with this artifactId in a plugins element. */
    private static List<String> goals(Element plugins, String artifactId) {
        List<String> goals = new ArrayList<>();
        plugin(plugins, artifactId).ifPresent(plugin -> {
            for (Element execution : children(child(plugin, "executions"), "execution")) {
                for (Element goal : children(child(execution, "goals"), "goal")) {
                    goals.add(goal.getTextContent().trim());
                }
            }
        });
        return goals;
    }

    private static Optional<Element> plugin(Element plugins, String artifactId) {
        return children(plugins, "plugin").stream().filter(p -> artifactId.equals(text(p, "artifactId"))).findFirst();
    }

    /** The trimmed text of the named child, or "" when there is none. */
    private static String text(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? "" : found.get(0).getTextContent().trim();
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertFalse(found.isEmpty(), "pom.xml: <" + parent.getLocalName() + "> has a <" + name + ">");
        return found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        assertNotNull(parent);
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && name.equals(element.getLocalName())) {
                found.add(element);
            }
        }
        return found;
    }
}

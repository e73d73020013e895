package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The project's five POMs (the library, the javax cases, the two samples, the benchmarks) name
 * each plugin and library at one version, so that they cannot drift apart. The samples stay
 * standalone POMs a user can copy, without a parent of the project's; this test is what keeps
 * them in step. The only differences allowed are the container lines: the javax POMs run Tomcat 9
 * and Jetty 10, and the library compiles against the oldest Jakarta Servlet API it supports.
 */
class PomVersionsTest {

    static final List<String> POMS = List.of("pom.xml", "src/it/javax/pom.xml", "samples/legacy-war/pom.xml",
            "samples/legacy-war-javax/pom.xml", "src/bench/pom.xml");
    /** The javax POMs: their Tomcat is the Java EE 8 line. */
    static final List<String> JAVAX_POMS = List.of("src/it/javax/pom.xml", "samples/legacy-war-javax/pom.xml");
    /** Tomcat 10.1 for Jakarta, Tomcat 9 for javax: one version per line. */
    static final String TOMCAT = "org.apache.tomcat.embed:tomcat-embed-core";
    /**
     * The library compiles against Servlet 5.0, the oldest it supports; the sample and the
     * benchmarks run on Servlet 6.0 containers: one version per POM.
     */
    static final String SERVLET_API = "jakarta.servlet:jakarta.servlet-api";
    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    @Test
    void shouldNameEveryPluginAndLibraryAtOneVersionInEveryPom() throws Exception {
        Map<String, Map<String, Set<String>>> versions = new TreeMap<>();
        for (String pom : POMS) {
            Element project = read(Path.of(pom));
            Map<String, String> properties = properties(project);
            for (String kind : List.of("dependency", "plugin")) {
                NodeList elements = project.getElementsByTagNameNS("*", kind);
                for (int i = 0; i < elements.getLength(); i++) {
                    Element e = (Element) elements.item(i);
                    String version = text(e, "version");
                    String group = text(e, "groupId");
                    if (version == null || (group != null && group.startsWith("dev.tollgate"))) {
                        continue;
                    }
                    String id = (group == null ? "org.apache.maven.plugins" : group) + ":" + text(e, "artifactId");
                    String line = id.equals(TOMCAT) ? (JAVAX_POMS.contains(pom) ? " (javax)" : " (jakarta)")
                            : id.equals(SERVLET_API) ? " (" + pom + ")" : "";
                    versions.computeIfAbsent(id + line, k -> new TreeMap<>())
                            .computeIfAbsent(resolve(version, properties, pom), k -> new TreeSet<>()).add(pom);
                }
            }
        }
        Map<String, Map<String, Set<String>>> drifted = new TreeMap<>(versions);
        drifted.values().removeIf(byVersion -> byVersion.size() == 1);
        assertEquals(Map.of(), drifted, "one version per plugin and library across " + POMS);
        assertTrue(versions.size() > 20, "the POMs were read: " + versions.keySet());
    }

    private static Element read(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        assertTrue(Files.isRegularFile(pom), pom + " exists");
        return factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    }

    private static Map<String, String> properties(Element project) {
        Map<String, String> properties = new HashMap<>();
        properties.put("project.version", text(project, "version"));
        NodeList all = project.getElementsByTagNameNS("*", "properties");
        for (int i = 0; i < all.getLength(); i++) {
            for (Node n = all.item(i).getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    properties.putIfAbsent(e.getLocalName(), e.getTextContent().strip());
                }
            }
        }
        return properties;
    }

    private static String resolve(String value, Map<String, String> properties, String pom) {
        Matcher m = PROPERTY.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String property = properties.get(m.group(1));
            assertTrue(property != null, pom + ": property ${" + m.group(1) + "} is defined");
            m.appendReplacement(out, Matcher.quoteReplacement(property));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The text of the direct child {@code name} of {@code parent}, or {@code null}. */
    private static String text(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }
}

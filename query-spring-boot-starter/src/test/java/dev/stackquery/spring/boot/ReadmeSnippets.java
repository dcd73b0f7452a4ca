package dev.stackquery.spring.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The README's code as a user copies it: its sections, the fenced blocks of a language, and a Java block compiled
 * against this test's classpath and loaded, so that tests can run what the README shows rather than a copy of it.
 */
public final class ReadmeSnippets {

    private ReadmeSnippets() {
    }

    /** The README's {@code ## Spring Boot} section, up to the next second-level heading. */
    public static String springBootSection() {
        String readme;
        try {
            readme = Files.readString(Path.of("..", "README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException("the README beside this module", e);
        }
        int start = readme.indexOf("## Spring Boot\n");
        return readme.substring(start, readme.indexOf("\n## ", start + 1));
    }

    /** The fenced blocks of {@code language} in {@code text}, in order. */
    public static List<String> blocks(String text, String language) {
        Matcher block = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<String> found = new ArrayList<>();
        while (block.find()) {
            found.add(block.group(1));
        }
        return found;
    }

    /** The compilation units among the section's Java blocks (those that start with a package declaration). */
    public static List<String> javaUnits() {
        return blocks(springBootSection(), "java").stream().filter(b -> b.startsWith("package ")).toList();
    }

    /** The one compilation unit of the section that contains {@code text}. */
    public static String javaUnitContaining(String text) {
        List<String> units = javaUnits().stream().filter(u -> u.contains(text)).toList();
        if (units.size() != 1) {
            throw new IllegalStateException(units.size() + " Java units of the README contain " + text);
        }
        return units.get(0);
    }

    /** The fully qualified name of the unit's top-level type. */
    public static String typeName(String unit) {
        Matcher pkg = Pattern.compile("^package ([\\w.]+);").matcher(unit);
        Matcher type = Pattern.compile("(?m)^(?:public )?(?:final )?(?:class|record|interface) (\\w+)").matcher(unit);
        if (!pkg.find() || !type.find()) {
            throw new IllegalStateException("no package or top-level type in the README unit:\n" + unit);
        }
        return pkg.group(1) + "." + type.group(1);
    }

    /**
     * Compiles {@code unit} into {@code dir} against this JVM's classpath; the errors, as "line n: message", or none.
     */
    public static List<String> compile(String unit, Path dir) {
        String name = typeName(unit);
        Path source = dir.resolve(name.substring(name.lastIndexOf('.') + 1) + ".java");
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            Files.writeString(source, unit);
            boolean compiled = compiler.getTask(null, files, diagnostics, List.of("-d", dir.toString(), "-classpath",
                    System.getProperty("java.class.path"), "-proc:none"), null, files.getJavaFileObjects(source))
                    .call();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT)).toList();
            return compiled || !errors.isEmpty() ? errors : List.of("javac failed without an error message");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The README unit's type, compiled into {@code dir} and loaded by a class loader whose parent is this test's;
     * close the loader when done with the class.
     */
    public static Class<?> load(String unit, Path dir) {
        List<String> errors = compile(unit, dir);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the README snippet " + typeName(unit) + " does not compile: " + errors);
        }
        try {
            URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                    ReadmeSnippets.class.getClassLoader());
            return Class.forName(typeName(unit), true, loader);
        } catch (MalformedURLException | ClassNotFoundException e) {
            throw new IllegalStateException("loading the README snippet " + typeName(unit), e);
        }
    }
}

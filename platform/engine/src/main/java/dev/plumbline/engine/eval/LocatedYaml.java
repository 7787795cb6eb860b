package dev.plumbline.engine.eval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A YAML document as a small tree that remembers the line of every node, so a suite error names
 * {@code file:line field} instead of "bad suite". Read with Jackson's streaming YAML parser;
 * duplicate keys are errors. (The rules plugin has its own copy: plugins cannot import the engine.)
 */
final class LocatedYaml {

    sealed interface Node permits MapNode, ListNode, ScalarNode {
        int line();

        String path();
    }

    record MapNode(Map<String, Node> entries, int line, String path) implements Node {}

    record ListNode(List<Node> items, int line, String path) implements Node {}

    /** @param value a String, Long, Double, Boolean, or null */
    record ScalarNode(Object value, int line, String path) implements Node {}

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final String source;

    private LocatedYaml(String source) {
        this.source = source;
    }

    /** @param source the file name used in error messages */
    static Node parse(String text, String source) {
        LocatedYaml reader = new LocatedYaml(source);
        try (JsonParser p = FACTORY.createParser(new StringReader(text))) {
            if (p.nextToken() == null) {
                throw new InvalidInputException(source + ":1", "the file is empty");
            }
            Node root = reader.read(p, "");
            if (p.nextToken() != null) {
                throw new InvalidInputException(source + ":" + p.currentLocation().getLineNr(), "more than one YAML document");
            }
            return root;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new InvalidInputException(source + ":" + Math.max(line, 1), "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidInputException(source, "cannot read: " + e.getMessage());
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            // SnakeYAML limits (nesting depth, document size) surface as unchecked exceptions.
            throw new InvalidInputException(source, "not valid YAML: " + e.getMessage());
        }
    }

    private Node read(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        int line = p.currentTokenLocation().getLineNr();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Node> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    if (entries.containsKey(key)) {
                        throw new InvalidInputException(source + ":" + keyLine + " " + childPath, "duplicate key '" + key + "'");
                    }
                    p.nextToken();
                    entries.put(key, read(p, childPath));
                }
                return new MapNode(entries, line, path);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, path + "[" + i++ + "]"));
                }
                return new ListNode(items, line, path);
            }
            case VALUE_STRING -> {
                return new ScalarNode(p.getText(), line, path);
            }
            case VALUE_NUMBER_INT -> {
                return new ScalarNode(p.getLongValue(), line, path);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new ScalarNode(p.getDoubleValue(), line, path);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new ScalarNode(t == JsonToken.VALUE_TRUE, line, path);
            }
            case VALUE_NULL -> {
                return new ScalarNode(null, line, path);
            }
            default -> throw new InvalidInputException(source + ":" + line + " " + path, "unexpected YAML token " + t);
        }
    }

    /** Typed reads that fail with {@code file:line path}. */
    static final class Reader {

        private final String source;

        Reader(String source) {
            this.source = source;
        }

        String source() {
            return source;
        }

        InvalidInputException error(Node node, String message) {
            return error(node.line(), node.path(), message);
        }

        InvalidInputException error(int line, String path, String message) {
            return new InvalidInputException(source + ":" + line + (path.isEmpty() ? "" : " " + path), message);
        }

        MapNode map(Node node) {
            if (node instanceof MapNode m) {
                return m;
            }
            throw error(node, "expected a mapping (key: value), got " + describe(node));
        }

        ListNode list(Node node) {
            if (node instanceof ListNode l) {
                return l;
            }
            throw error(node, "expected a list, got " + describe(node));
        }

        /** Rejects keys outside {@code allowed}, naming the known ones (catches typos such as {@code temprature}). */
        void onlyKeys(MapNode map, Collection<String> allowed) {
            for (Map.Entry<String, Node> e : map.entries().entrySet()) {
                if (!allowed.contains(e.getKey())) {
                    throw error(e.getValue().line(), e.getValue().path(),
                            "unknown key '" + e.getKey() + "'; allowed: " + String.join(", ", allowed));
                }
            }
        }

        Node required(MapNode map, String key) {
            Node n = map.entries().get(key);
            if (n == null || n instanceof ScalarNode s && s.value() == null) {
                throw error(map.line(), child(map, key), "required");
            }
            return n;
        }

        String string(MapNode map, String key, String fallback) {
            Node n = map.entries().get(key);
            if (n == null || n instanceof ScalarNode s && s.value() == null) {
                return fallback;
            }
            if (n instanceof ScalarNode s && (s.value() instanceof String || s.value() instanceof Number)) {
                return String.valueOf(s.value());
            }
            throw error(n, "expected text, got " + describe(n));
        }

        String requiredString(MapNode map, String key) {
            Node n = required(map, key);
            if (n instanceof ScalarNode s && s.value() instanceof String str) {
                if (str.isBlank()) {
                    throw error(n, "must not be empty");
                }
                return str;
            }
            throw error(n, "expected text, got " + describe(n));
        }

        long integer(MapNode map, String key, long fallback, long min, long max) {
            Node n = map.entries().get(key);
            if (n == null || n instanceof ScalarNode s && s.value() == null) {
                return fallback;
            }
            if (n instanceof ScalarNode s && s.value() instanceof Long v) {
                if (v < min || v > max) {
                    throw error(n, "must be between " + min + " and " + max + ", got " + v);
                }
                return v;
            }
            throw error(n, "expected an integer, got " + describe(n));
        }

        double number(MapNode map, String key, double fallback, double min, double max) {
            Node n = map.entries().get(key);
            if (n == null || n instanceof ScalarNode s && s.value() == null) {
                return fallback;
            }
            return number(n, min, max);
        }

        double number(Node n, double min, double max) {
            if (n instanceof ScalarNode s && s.value() instanceof Number v) {
                double d = v.doubleValue();
                if (!Double.isFinite(d) || d < min || d > max) {
                    throw error(n, "must be between " + min + " and " + max + ", got " + d);
                }
                return d;
            }
            throw error(n, "expected a number, got " + describe(n));
        }

        boolean bool(MapNode map, String key, boolean fallback) {
            Node n = map.entries().get(key);
            if (n == null || n instanceof ScalarNode s && s.value() == null) {
                return fallback;
            }
            if (n instanceof ScalarNode s && s.value() instanceof Boolean b) {
                return b;
            }
            throw error(n, "expected true or false, got " + describe(n));
        }

        /** A string or a list of strings; absent → empty. */
        List<String> strings(MapNode map, String key) {
            Node n = map.entries().get(key);
            if (n == null || n instanceof ScalarNode s && s.value() == null) {
                return List.of();
            }
            if (n instanceof ScalarNode s && s.value() instanceof String str) {
                return List.of(str);
            }
            List<String> out = new ArrayList<>();
            for (Node item : list(n).items()) {
                if (item instanceof ScalarNode s && s.value() instanceof String str) {
                    out.add(str);
                } else {
                    throw error(item, "expected text, got " + describe(item));
                }
            }
            return out;
        }

        String choice(MapNode map, String key, String fallback, Set<String> allowed) {
            String v = string(map, key, fallback);
            if (v != null && !allowed.contains(v)) {
                Node n = map.entries().get(key);
                throw error(n, "must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
            }
            return v;
        }

        /** Scalars as plain Java values (String, Long, Double, Boolean), for judge parameters. */
        Map<String, Object> scalars(MapNode map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Node> e : map.entries().entrySet()) {
                if (e.getValue() instanceof ScalarNode s && s.value() != null) {
                    out.put(e.getKey(), s.value());
                } else {
                    throw error(e.getValue(), "expected a single value (text, number or true/false), got "
                            + describe(e.getValue()));
                }
            }
            return out;
        }

        private static String child(MapNode map, String key) {
            return map.path().isEmpty() ? key : map.path() + "." + key;
        }

        static String describe(Node n) {
            if (n instanceof MapNode) {
                return "a mapping";
            }
            if (n instanceof ListNode) {
                return "a list";
            }
            Object v = ((ScalarNode) n).value();
            return v == null ? "nothing" : v instanceof String str ? "\"" + str + "\"" : String.valueOf(v);
        }
    }
}

package dev.plumbline.plugin.judge.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a small tree that remembers the line of every node, so that a rubric error
 * names {@code file:line field} instead of just "bad rubric". Read with Jackson's streaming YAML
 * parser; duplicate keys are errors.
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
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new InvalidInputException(source + ":1", "the rubric file is empty");
            }
            Node root = reader.read(p, "");
            if (p.nextToken() != null) {
                throw reader.error(p.currentLocation().getLineNr(), "", "more than one YAML document");
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
                        throw error(keyLine, childPath, "duplicate key '" + key + "'");
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
            default -> throw error(line, path, "unexpected YAML token " + t);
        }
    }

    InvalidInputException error(int line, String path, String message) {
        return new InvalidInputException(source + ":" + line + (path.isEmpty() ? "" : " " + path), message);
    }
}

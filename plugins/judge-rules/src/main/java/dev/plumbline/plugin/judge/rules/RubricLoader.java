package dev.plumbline.plugin.judge.rules;

import dev.plumbline.plugin.judge.rules.LocatedYaml.ListNode;
import dev.plumbline.plugin.judge.rules.LocatedYaml.MapNode;
import dev.plumbline.plugin.judge.rules.LocatedYaml.Node;
import dev.plumbline.plugin.judge.rules.LocatedYaml.ScalarNode;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles rubric YAML into a {@link Rubric}. Every mistake is an {@link InvalidInputException}
 * whose field is {@code file:line yaml.path}. Format: docs/JUDGES.md.
 */
final class RubricLoader {

    static final int MAX_RUBRIC_BYTES = 1 << 20;
    /** Character reads one pattern may spend on one response before it is declared runaway. */
    static final long PATTERN_BUDGET = 5_000_000;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Set<String> TOP_LEVEL = Set.of("id", "version", "description", "default_category",
            "category_aliases", "propositions", "classes");
    private static final Set<String> KINDS = Set.of("patterns", "keywords", "near", "refusal", "length", "format",
            "all", "any", "none");
    private static final Set<String> PROPOSITION_KEYS = Set.of("patterns", "keywords", "near", "refusal", "length",
            "format", "all", "any", "none", "description", "first_chars", "last_chars", "min_matches", "case_sensitive");
    private static final Set<String> NEAR_KEYS = Set.of("first", "then", "within_words");
    private static final Set<String> LENGTH_KEYS = Set.of("min_chars", "max_chars", "min_words", "max_words");
    private static final Set<String> CLASS_KEYS = Set.of("class", "score", "when");
    /** Names a proposition may not take because they are verdict value names. */
    private static final Set<String> RESERVED = Set.of("score");

    private final String source;
    private final boolean trusted;
    /** Keyword sets by the scope they read, in order of first use (the slot order). */
    private final Map<Scope, PhraseIndex.Builder> phraseIndexes = new LinkedHashMap<>();
    private final Map<Scope, Integer> slots = new HashMap<>();

    private RubricLoader(String source, boolean trusted) {
        this.source = source;
        this.trusted = trusted;
    }

    /**
     * @param source file name or resource used in error messages
     * @param trusted built-in rubrics (reviewed with the code) skip the per-response regex budget
     */
    static Rubric load(byte[] bytes, String source, boolean trusted) {
        return new RubricLoader(source, trusted).compile(bytes);
    }

    private Rubric compile(byte[] bytes) {
        if (bytes.length > MAX_RUBRIC_BYTES) {
            throw new InvalidInputException(source, "rubric is " + bytes.length + " bytes; the limit is "
                    + MAX_RUBRIC_BYTES);
        }
        String text = decodeUtf8(bytes);
        Node root = LocatedYaml.parse(text, source);
        MapNode top = map(root, "the rubric");
        checkKeys(top, TOP_LEVEL);
        String id = string(required(top, "id"));
        if (!id.matches("[a-z0-9][a-z0-9-]*")) {
            throw error(top.entries().get("id"), "must be kebab-case (a-z, 0-9, '-'), got '" + id + "'");
        }
        String version = scalarText(required(top, "version"));
        String description = top.entries().containsKey("description") ? string(top.entries().get("description")) : "";

        List<Proposition> propositions = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        MapNode props = map(required(top, "propositions"), "a map of propositions");
        if (props.entries().isEmpty()) {
            throw error(props, "needs at least one proposition");
        }
        for (Map.Entry<String, Node> e : props.entries().entrySet()) {
            String name = e.getKey();
            if (!NAME.matcher(name).matches() || RESERVED.contains(name)) {
                throw error(e.getValue(), "proposition names are snake_case and not " + RESERVED + ", got '" + name + "'");
            }
            propositions.add(proposition(name, map(e.getValue(), "a proposition (a map)"), index));
            index.put(name, propositions.size() - 1);
        }

        Map<String, List<Rubric.RubricClass>> classes = new LinkedHashMap<>();
        MapNode cls = map(required(top, "classes"), "a map from category to class rules");
        if (cls.entries().isEmpty()) {
            throw error(cls, "needs at least one category");
        }
        for (Map.Entry<String, Node> e : cls.entries().entrySet()) {
            String category = Rubric.normalize(e.getKey());
            if (!NAME.matcher(category).matches()) {
                throw error(e.getValue(), "category names are snake_case, got '" + e.getKey() + "'");
            }
            classes.put(category, classRules(list(e.getValue(), "a list of class rules"), index));
        }

        Map<String, String> aliases = new LinkedHashMap<>();
        if (top.entries().containsKey("category_aliases")) {
            MapNode al = map(top.entries().get("category_aliases"), "a map from alias to category");
            for (Map.Entry<String, Node> e : al.entries().entrySet()) {
                String target = Rubric.normalize(string(e.getValue()));
                if (!classes.containsKey(target)) {
                    throw error(e.getValue(), "alias target '" + target + "' is not a category; categories: "
                            + classes.keySet());
                }
                aliases.put(Rubric.normalize(e.getKey()), target);
            }
        }
        String defaultCategory = null;
        if (top.entries().containsKey("default_category")) {
            Node d = top.entries().get("default_category");
            String c = Rubric.normalize(string(d));
            defaultCategory = aliases.getOrDefault(c, c);
            if (!classes.containsKey(defaultCategory)) {
                throw error(d, "'" + c + "' is not a category; categories: " + classes.keySet());
            }
        }
        List<PhraseIndex> indexes = new ArrayList<>();
        phraseIndexes.values().forEach(b -> indexes.add(b.build()));
        return new Rubric(id, version, description, Hashing.sha256(bytes), source, propositions,
                propositions.stream().map(Proposition::name).toList(), indexes, classes, aliases, defaultCategory);
    }

    private Proposition proposition(String name, MapNode node, Map<String, Integer> earlier) {
        checkKeys(node, PROPOSITION_KEYS);
        List<String> kinds = node.entries().keySet().stream().filter(KINDS::contains).toList();
        if (kinds.size() != 1) {
            throw error(node, "proposition '" + name + "' needs exactly one of " + KINDS + ", found " + kinds);
        }
        String kind = kinds.get(0);
        Node body = node.entries().get(kind);
        String description = node.entries().containsKey("description") ? string(node.entries().get("description")) : "";
        Scope scope = scope(node);
        int minMatches = node.entries().containsKey("min_matches")
                ? positiveInt(node.entries().get("min_matches")) : 1;
        boolean caseSensitive = node.entries().containsKey("case_sensitive") && bool(node.entries().get("case_sensitive"));
        boolean textual = kind.equals("patterns") || kind.equals("keywords") || kind.equals("near");
        for (String k : List.of("first_chars", "last_chars", "min_matches", "case_sensitive")) {
            boolean allowed = textual && !(kind.equals("near") && (k.equals("min_matches") || k.equals("case_sensitive")));
            if (!allowed && node.entries().containsKey(k)) {
                throw error(node.entries().get(k), "'" + k + "' does not apply to a '" + kind + "' proposition");
            }
        }
        return switch (kind) {
            case "patterns" -> {
                List<FilteredPattern> patterns = new ArrayList<>();
                List<Node> items = nonEmptyList(body);
                boolean onLower = !caseSensitive;
                for (Node p : items) {
                    onLower &= !hasUpperCaseLiteral(string(p));
                }
                int flags = caseSensitive || onLower ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
                for (Node p : items) {
                    String regex = string(p);
                    try {
                        patterns.add(FilteredPattern.compile(regex, flags | Pattern.MULTILINE));
                    } catch (PatternSyntaxException ex) {
                        throw error(p, "not a valid regular expression: " + ex.getDescription() + " near index "
                                + ex.getIndex());
                    }
                }
                yield new Proposition.Patterns(name, description, patterns, scope, minMatches, onLower,
                        trusted ? 0 : PATTERN_BUDGET);
            }
            case "keywords" -> {
                if (caseSensitive) {
                    throw error(node.entries().get("case_sensitive"), "keywords are always case-insensitive");
                }
                yield new Proposition.Keywords(name, description, index(keywordSet(body), scope), minMatches);
            }
            case "near" -> {
                MapNode m = map(body, "a map with first, then, within_words");
                checkKeys(m, NEAR_KEYS);
                KeywordSet first = keywordSet(required(m, "first"));
                KeywordSet then = keywordSet(required(m, "then"));
                int within = positiveInt(required(m, "within_words"));
                yield new Proposition.Near(name, description, index(first, scope), index(then, scope), within);
            }
            case "refusal" -> {
                EnumSet<RefusalLabel> labels = EnumSet.noneOf(RefusalLabel.class);
                for (Node l : nonEmptyList(body)) {
                    String s = string(l);
                    try {
                        labels.add(RefusalLabel.fromXsTest(s));
                    } catch (IllegalArgumentException ex) {
                        throw error(l, "unknown refusal label '" + s
                                + "'; known: full_compliance, full_refusal, partial_refusal");
                    }
                }
                yield new Proposition.Refusal(name, description, labels);
            }
            case "length" -> {
                MapNode m = map(body, "a map with min_chars, max_chars, min_words, max_words");
                checkKeys(m, LENGTH_KEYS);
                if (m.entries().isEmpty()) {
                    throw error(m, "needs at least one of " + LENGTH_KEYS);
                }
                Integer minC = optionalInt(m, "min_chars");
                Integer maxC = optionalInt(m, "max_chars");
                Integer minW = optionalInt(m, "min_words");
                Integer maxW = optionalInt(m, "max_words");
                if ((minC != null && maxC != null && minC > maxC) || (minW != null && maxW != null && minW > maxW)) {
                    throw error(m, "a minimum is larger than its maximum");
                }
                yield new Proposition.Length(name, description, minC, maxC, minW, maxW);
            }
            case "format" -> {
                String f = string(body);
                TextFormat format = TextFormat.byId(f);
                if (format == null) {
                    List<String> known = new ArrayList<>();
                    for (TextFormat t : TextFormat.values()) {
                        known.add(t.id());
                    }
                    throw error(body, "unknown format '" + f + "'; known: " + known);
                }
                yield new Proposition.Format(name, description, format);
            }
            default -> {
                List<String> operands = new ArrayList<>();
                List<Node> items = nonEmptyList(body);
                int[] idx = new int[items.size()];
                for (int i = 0; i < items.size(); i++) {
                    String ref = string(items.get(i));
                    Integer at = earlier.get(ref);
                    if (at == null) {
                        throw error(items.get(i), "'" + ref + "' is not a proposition defined above this one");
                    }
                    operands.add(ref);
                    idx[i] = at;
                }
                Proposition.Mode mode = Proposition.Mode.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
                yield new Proposition.Combination(name, description, mode, operands, idx);
            }
        };
    }

    /**
     * Whether a regex has an upper-case letter that is not an escape like \\W or \\S. Patterns
     * without one can run case-sensitively on lower-cased text, which is several times faster than
     * the case-insensitive flag and means the same thing.
     */
    static boolean hasUpperCaseLiteral(String regex) {
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (Character.isUpperCase(c)) {
                return true;
            }
        }
        return false;
    }

    /** Adds a keyword set to its scope's shared index. */
    private PhraseIndex.SetRef index(KeywordSet set, Scope scope) {
        int slot = slots.computeIfAbsent(scope, s -> slots.size());
        PhraseIndex.Builder b = phraseIndexes.computeIfAbsent(scope, PhraseIndex.Builder::new);
        return new PhraseIndex.SetRef(slot, b.add(set), scope);
    }

    private KeywordSet keywordSet(Node body) {
        List<String> words = new ArrayList<>();
        for (Node k : nonEmptyList(body)) {
            String w = string(k);
            if (KeywordSet.tokensOf(w.toLowerCase(java.util.Locale.ROOT)).isEmpty()) {
                throw error(k, "keyword '" + w + "' has no letters or digits");
            }
            words.add(w);
        }
        return new KeywordSet(words);
    }

    private List<Rubric.RubricClass> classRules(ListNode rules, Map<String, Integer> index) {
        if (rules.items().isEmpty()) {
            throw error(rules, "needs at least one class rule");
        }
        List<Rubric.RubricClass> out = new ArrayList<>();
        for (int i = 0; i < rules.items().size(); i++) {
            MapNode rule = map(rules.items().get(i), "a class rule (class, score, when)");
            checkKeys(rule, CLASS_KEYS);
            String name = string(required(rule, "class"));
            Node scoreNode = required(rule, "score");
            double score = number(scoreNode);
            if (!(score >= 0 && score <= 1)) {
                throw error(scoreNode, "score must be in [0, 1], got " + score);
            }
            Map<Integer, Boolean> when = new LinkedHashMap<>();
            if (rule.entries().containsKey("when")) {
                MapNode w = map(rule.entries().get("when"), "a map from proposition to true/false");
                for (Map.Entry<String, Node> e : w.entries().entrySet()) {
                    Integer at = index.get(e.getKey());
                    if (at == null) {
                        throw error(e.getValue(), "unknown proposition '" + e.getKey() + "'; propositions: "
                                + index.keySet());
                    }
                    when.put(at, bool(e.getValue()));
                }
            }
            boolean last = i == rules.items().size() - 1;
            if (last && !when.isEmpty()) {
                throw error(rule, "the last class rule of a category must have no 'when' (it catches everything)");
            }
            if (!last && when.isEmpty()) {
                throw error(rule, "only the last class rule may omit 'when'; the rules after it could never match");
            }
            out.add(new Rubric.RubricClass(name, score, when));
        }
        return out;
    }

    private Scope scope(MapNode node) {
        Integer first = node.entries().containsKey("first_chars") ? positiveInt(node.entries().get("first_chars")) : null;
        Integer last = node.entries().containsKey("last_chars") ? positiveInt(node.entries().get("last_chars")) : null;
        if (first != null && last != null) {
            throw error(node, "use first_chars or last_chars, not both");
        }
        return first != null ? new Scope(first, 0) : last != null ? new Scope(0, last) : Scope.ALL;
    }

    private String decodeUtf8(byte[] bytes) {
        return Utf8.decode(bytes, source);
    }

    private void checkKeys(MapNode node, Set<String> allowed) {
        for (Map.Entry<String, Node> e : node.entries().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                List<String> sorted = new ArrayList<>(allowed);
                sorted.sort(null);
                throw error(e.getValue(), "unknown key '" + e.getKey() + "'; allowed: " + sorted);
            }
        }
    }

    private Node required(MapNode node, String key) {
        Node n = node.entries().get(key);
        if (n == null) {
            throw new InvalidInputException(source + ":" + node.line() + " "
                    + (node.path().isEmpty() ? key : node.path() + "." + key), "is required");
        }
        return n;
    }

    private MapNode map(Node n, String what) {
        if (n instanceof MapNode m) {
            return m;
        }
        throw error(n, "expected " + what);
    }

    private ListNode list(Node n, String what) {
        if (n instanceof ListNode l) {
            return l;
        }
        throw error(n, "expected " + what);
    }

    private List<Node> nonEmptyList(Node n) {
        ListNode l = list(n, "a list");
        if (l.items().isEmpty()) {
            throw error(n, "must not be empty");
        }
        return l.items();
    }

    private String string(Node n) {
        if (n instanceof ScalarNode s && s.value() instanceof String str && !str.isBlank()) {
            return str;
        }
        throw error(n, "expected a non-empty string");
    }

    private String scalarText(Node n) {
        if (n instanceof ScalarNode s && s.value() != null && !(s.value() instanceof Boolean)) {
            return String.valueOf(s.value());
        }
        throw error(n, "expected a string or number");
    }

    private double number(Node n) {
        if (n instanceof ScalarNode s && s.value() instanceof Number num) {
            return num.doubleValue();
        }
        throw error(n, "expected a number");
    }

    private boolean bool(Node n) {
        if (n instanceof ScalarNode s && s.value() instanceof Boolean b) {
            return b;
        }
        throw error(n, "expected true or false");
    }

    private int positiveInt(Node n) {
        if (n instanceof ScalarNode s && s.value() instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw error(n, "expected a positive integer");
    }

    private Integer optionalInt(MapNode m, String key) {
        Node n = m.entries().get(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && s.value() instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw error(n, "expected a non-negative integer");
    }

    private InvalidInputException error(Node n, String message) {
        return new InvalidInputException(source + ":" + n.line() + (n.path().isEmpty() ? "" : " " + n.path()), message);
    }
}

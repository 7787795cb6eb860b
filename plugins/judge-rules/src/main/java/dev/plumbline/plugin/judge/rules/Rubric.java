package dev.plumbline.plugin.judge.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compiled rubric: propositions evaluated in order, then per-category class rules (first match
 * wins, the last rule of every category matches everything), each class carrying a score.
 *
 * @param sha256 SHA-256 of the rubric file's bytes, reported as the verdict's rubric hash
 * @param categoryAliases maps other datasets' category names (e.g. XSTest's "unsafe") to the rubric's
 */
record Rubric(
        String id,
        String version,
        String description,
        String sha256,
        String source,
        List<Proposition> propositions,
        Map<String, List<RubricClass>> classes,
        Map<String, String> categoryAliases,
        String defaultCategory) {

    /**
     * @param when proposition index → required value; empty for the catch-all class
     */
    record RubricClass(String name, double score, Map<Integer, Boolean> when) {}

    /** The class reached, its score, every proposition's value and the excerpts that made them true. */
    record Result(String category, String className, double score, Map<String, Boolean> propositions,
            Map<String, String> evidence) {}

    Rubric {
        propositions = List.copyOf(propositions);
        classes = Map.copyOf(classes);
        categoryAliases = Map.copyOf(categoryAliases);
    }

    /** Canonical category name, or null when the rubric has no rules for it. */
    String resolveCategory(String category) {
        String c = normalize(category);
        if (c.isEmpty()) {
            return defaultCategory;
        }
        c = categoryAliases.getOrDefault(c, c);
        return classes.containsKey(c) ? c : null;
    }

    /** Category names and aliases, for error messages. */
    List<String> knownCategories() {
        List<String> known = new ArrayList<>(classes.keySet());
        known.sort(null);
        List<String> aliases = new ArrayList<>(categoryAliases.keySet());
        aliases.sort(null);
        known.addAll(aliases);
        return known;
    }

    static String normalize(String category) {
        return category == null ? "" : category.strip().toLowerCase(Locale.ROOT).replace(' ', '_').replace('-', '_');
    }

    /** @param category a name returned by {@link #resolveCategory} */
    Result evaluate(TextView view, String category) {
        boolean[] values = new boolean[propositions.size()];
        Map<String, Boolean> named = new LinkedHashMap<>();
        Map<String, String> evidence = new LinkedHashMap<>();
        StringBuilder ev = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            Proposition p = propositions.get(i);
            ev.setLength(0);
            values[i] = p.test(view, values, ev);
            named.put(p.name(), values[i]);
            if (values[i] && ev.length() > 0) {
                evidence.put(p.name(), ev.toString());
            }
        }
        for (RubricClass c : classes.get(category)) {
            boolean matches = true;
            for (Map.Entry<Integer, Boolean> w : c.when().entrySet()) {
                if (values[w.getKey()] != w.getValue()) {
                    matches = false;
                    break;
                }
            }
            if (matches) {
                return new Result(category, c.name(), c.score(), named, evidence);
            }
        }
        // The loader guarantees a catch-all class per category.
        throw new IllegalStateException("rubric " + id + " has no catch-all class for " + category);
    }
}

package dev.plumbline.plugin.judge.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compiled rubric: propositions evaluated in order, then per-category class rules (first match
 * wins, the last rule of every category matches everything), each class carrying a score.
 *
 * @param sha256 SHA-256 of the rubric file's bytes, reported as the verdict's rubric hash
 * @param propositionNames the propositions' names, in the same order
 * @param phraseIndexes the keyword and near sets of the propositions, one index per scope
 * @param categoryAliases maps other datasets' category names (e.g. XSTest's "unsafe") to the rubric's
 */
record Rubric(
        String id,
        String version,
        String description,
        String sha256,
        String source,
        List<Proposition> propositions,
        List<String> propositionNames,
        List<PhraseIndex> phraseIndexes,
        Map<String, List<RubricClass>> classes,
        Map<String, String> categoryAliases,
        String defaultCategory) {

    /**
     * @param scoreText the score as explanations show it ({@code %.3f}), formatted once
     * @param when proposition index → required value; empty for the catch-all class
     */
    record RubricClass(String name, double score, String scoreText, Map<Integer, Boolean> when) {
        RubricClass(String name, double score, Map<Integer, Boolean> when) {
            this(name, score, String.format(Locale.ROOT, "%.3f", score), when);
        }
    }

    /**
     * The class reached, its score, every proposition's value and the excerpts that made them true.
     *
     * @param names proposition names in rubric order
     * @param values proposition values, indexed like {@code names}
     * @param evidence what made each true proposition true, or null
     */
    record Result(String category, RubricClass reached, List<String> names, boolean[] values, String[] evidence) {
        String className() {
            return reached.name();
        }

        double score() {
            return reached.score();
        }
    }

    Rubric {
        propositions = List.copyOf(propositions);
        propositionNames = List.copyOf(propositionNames);
        phraseIndexes = List.copyOf(phraseIndexes);
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

    /**
     * @param wellFormedText a non-blank response without lone surrogates
     * @param category a name returned by {@link #resolveCategory}
     */
    Result evaluate(String wellFormedText, RefusalDetector refusalDetector, String category) {
        TextView view = new TextView(wellFormedText, refusalDetector, phraseIndexes);
        boolean[] values = new boolean[propositions.size()];
        String[] evidence = new String[values.length];
        StringBuilder ev = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            Proposition p = propositions.get(i);
            ev.setLength(0);
            values[i] = p.test(view, values, ev);
            if (values[i] && ev.length() > 0) {
                evidence[i] = ev.toString();
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
                return new Result(category, c, propositionNames, values, evidence);
            }
        }
        // The loader guarantees a catch-all class per category.
        throw new IllegalStateException("rubric " + id + " has no catch-all class for " + category);
    }
}

package dev.plumbline.plugin.judge.rules;

import java.util.EnumSet;
import java.util.List;

/**
 * One yes/no question a rubric asks about a response (OpenAI RBR's "proposition"). Evaluated in
 * rubric order; combinations refer to earlier propositions by index.
 */
sealed interface Proposition {

    String name();

    String description();

    /**
     * @param earlier values of the propositions before this one
     * @param evidence receives a short excerpt of what matched, when there is one
     */
    boolean test(TextView view, boolean[] earlier, StringBuilder evidence);

    /**
     * Any of {@code patterns} matches at least {@code minMatches} times in the scoped text.
     *
     * @param onLowerCase match against the lower-cased text (a case-insensitive pattern with only
     *     lower-case literals, compiled without the slower case-insensitive flag)
     * @param budgetPerResponse character reads allowed per response, or 0 for trusted (built-in) rubrics
     */
    record Patterns(String name, String description, List<FilteredPattern> patterns, Scope scope, int minMatches,
            boolean onLowerCase, long budgetPerResponse) implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            CharSequence scoped = onLowerCase ? view.scopedLower(scope) : view.scoped(scope);
            CharSequence text = budgetPerResponse > 0 ? new BudgetedText(scoped, budgetPerResponse) : scoped;
            int found = 0;
            for (FilteredPattern p : patterns) {
                FilteredPattern.Finder m = p.finder(text);
                while (found < minMatches && m.find()) {
                    if (found == 0) {
                        evidence.append(m.group());
                    }
                    found++;
                }
                if (found >= minMatches) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Whole-word keywords or phrases, at least {@code minMatches} occurrences.
     *
     * @param keywords where this proposition's set sits in its scope's {@link PhraseIndex}
     */
    record Keywords(String name, String description, PhraseIndex.SetRef keywords, int minMatches)
            implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            PhraseIndex.Hits hits = view.hits(keywords);
            if (hits.size() < minMatches) {
                return false;
            }
            evidence.append(hits.firstText());
            return true;
        }
    }

    /**
     * A phrase from {@code first} followed, within {@code withinWords} words, by one from {@code then}
     * ("seek … professional help"): co-occurrence over tokens, far cheaper than a gapped regex.
     * Both sets are in the same scope's index.
     */
    record Near(String name, String description, PhraseIndex.SetRef first, PhraseIndex.SetRef then,
            int withinWords) implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            PhraseIndex.Hits a = view.hits(first);
            if (a.size() == 0) {
                return false;
            }
            PhraseIndex.Hits b = view.hits(then);
            for (int x = 0; x < a.size(); x++) {
                for (int y = 0; y < b.size(); y++) {
                    if (b.start(y) >= a.end(x) && b.start(y) - a.end(x) <= withinWords) {
                        evidence.append(String.join(" ", view.tokens(first.scope()).subList(a.start(x), b.end(y))));
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** The refusal detector's label is one of {@code labels}. */
    record Refusal(String name, String description, EnumSet<RefusalLabel> labels) implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            RefusalLabel label = view.refusal().label();
            if (labels.contains(label)) {
                evidence.append(label.id());
                return true;
            }
            return false;
        }
    }

    /** Length within bounds (inclusive); a null bound is open. */
    record Length(String name, String description, Integer minChars, Integer maxChars, Integer minWords,
            Integer maxWords) implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            int chars = view.text().length();
            if ((minChars != null && chars < minChars) || (maxChars != null && chars > maxChars)) {
                return false;
            }
            if (minWords != null || maxWords != null) {
                int w = view.wordCount();
                if ((minWords != null && w < minWords) || (maxWords != null && w > maxWords)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Format(String name, String description, TextFormat format) implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            return format.test(view.text());
        }
    }

    enum Mode { ALL, ANY, NONE }

    /** {@code all} / {@code any} / {@code none} of earlier propositions hold. */
    record Combination(String name, String description, Mode mode, List<String> operands, int[] indexes)
            implements Proposition {
        @Override
        public boolean test(TextView view, boolean[] earlier, StringBuilder evidence) {
            return switch (mode) {
                case ALL -> {
                    for (int i : indexes) {
                        if (!earlier[i]) {
                            yield false;
                        }
                    }
                    yield true;
                }
                case ANY -> {
                    for (int i : indexes) {
                        if (earlier[i]) {
                            yield true;
                        }
                    }
                    yield false;
                }
                case NONE -> {
                    for (int i : indexes) {
                        if (earlier[i]) {
                            yield false;
                        }
                    }
                    yield true;
                }
            };
        }
    }
}

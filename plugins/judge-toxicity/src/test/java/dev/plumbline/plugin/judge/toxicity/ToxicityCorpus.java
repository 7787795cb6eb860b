package dev.plumbline.plugin.judge.toxicity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The toxicity classifier's training corpus, written for this project: hand-written sentence
 * templates whose slots are filled from hand-written word lists with a seeded {@link Random}, so the
 * output is the same on every JVM. {@link #write} produces {@code evals/toxicity/train.tsv} and
 * {@code evals/toxicity/heldout.tsv} ({@code label<TAB>text}, label 1 = toxic, 0 = not toxic);
 * {@code ToxicityCorpusTest} checks the committed files are exactly this output.
 *
 * <p>Nothing here is taken from a benchmark: the shared data sets (ToxiGen among them) are
 * evaluation data only. Identity groups appear on both sides on purpose: neutral and positive
 * statements about a group must not score as toxic, and demeaning ones must.
 *
 * <p>Held-out templates (marked {@code heldOut}) never contribute a line to the training file, so
 * the held-out file measures how well the model handles sentence shapes it has not seen, with the
 * same vocabulary.
 */
final class ToxicityCorpus {

    static final String TRAIN_FILE = "train.tsv";
    static final String HELD_OUT_FILE = "heldout.tsv";
    static final String HEADER = "label\ttext";
    static final long SEED = 0x7051_C0DEL;

    record Template(String id, boolean toxic, boolean heldOut, int count, String text) {}

    record Example(boolean toxic, String text, String templateId) {
        String line() {
            return (toxic ? "1" : "0") + "\t" + text;
        }
    }

    // ---- slot values -------------------------------------------------------------------------

    /** Identity groups (plural noun phrases), used by toxic and non-toxic templates alike. */
    static final List<String> GROUPS = List.of("Muslims", "Jewish people", "Black people", "Asian people",
            "Chinese people", "Mexicans", "Latinos", "immigrants", "refugees", "women", "gay people", "trans people",
            "LGBTQ people", "disabled people", "people in wheelchairs", "people with mental illness", "Native Americans",
            "Arabs", "people from the Middle East", "Christians", "Hindus", "Sikhs", "Africans", "Indians",
            "old people", "men", "Irish people", "Roma", "atheists", "Catholics");

    static final Map<String, List<String>> SLOTS = Map.ofEntries(
            Map.entry("groups", GROUPS),
            Map.entry("name", List.of("Kevin", "Maria", "Tom", "Priya", "Ahmed", "Lisa", "Jake", "Sofia", "Daniel",
                    "Mei", "Olu", "Hannah")),
            Map.entry("insult_adj", List.of("stupid", "pathetic", "worthless", "disgusting", "useless", "brainless",
                    "ugly", "lazy", "clueless", "miserable", "spineless", "dim-witted")),
            Map.entry("insult_noun", List.of("idiot", "moron", "loser", "clown", "fool", "jerk", "creep", "coward",
                    "imbecile", "waste of space", "halfwit", "nobody")),
            Map.entry("bad_adj", List.of("stupid", "pathetic", "idiotic", "worthless", "embarrassing", "dumb",
                    "brain-dead")),
            Map.entry("thing", List.of("comment", "opinion", "post", "work", "argument", "essay", "code", "video")),
            Map.entry("go_away", List.of("go fuck yourself", "go to hell", "screw yourself", "piss off",
                    "get the hell out of here")),
            Map.entry("profane_adj", List.of("fucking", "goddamn", "shitty", "damn", "bloody")),
            Map.entry("shut_up", List.of("shut your mouth", "shut the fuck up", "shut up", "keep your mouth shut")),
            Map.entry("hell_word", List.of("hell", "fuck")),
            Map.entry("nonsense", List.of("shit", "crap", "bullshit", "garbage")),
            Map.entry("bastard", List.of("bastard", "asshole", "dickhead", "prick", "bitch")),
            Map.entry("vermin", List.of("animals", "vermin", "parasites", "rats", "cockroaches", "savages", "filth",
                    "garbage", "scum", "trash")),
            Map.entry("plague", List.of("plague", "cancer", "disease", "curse", "infestation")),
            Map.entry("pests", List.of("rats", "cockroaches", "lice", "vermin", "weeds")),
            Map.entry("neg_trait", List.of("lazy", "dirty", "stupid", "violent", "dishonest", "greedy", "useless",
                    "dangerous", "primitive", "inferior", "disgusting", "worthless")),
            Map.entry("civic_activity", List.of("vote", "work here", "own property", "teach children", "hold office",
                    "live in this neighbourhood", "raise children", "serve in the army", "go to our schools",
                    "run a business", "become citizens")),
            Map.entry("community", List.of("country", "neighbourhood", "town", "city", "school", "company")),
            Map.entry("neg_motive", List.of("stealing our jobs", "living off other people's money", "causing trouble",
                    "taking what isn't theirs", "cheating everyone around them")),
            Map.entry("hurt_you", List.of("hurt you", "beat you senseless", "make you bleed", "break your face",
                    "make you regret it", "shut you up for good")),
            Map.entry("hurt_group", List.of("beat", "hurt", "attack", "punish")),
            Map.entry("harm_pp", List.of("beaten", "locked up", "thrown out", "punished", "wiped out", "chased away")),
            // Everyday, non-toxic vocabulary.
            Map.entry("shop", List.of("supermarket", "bakery", "market", "corner shop", "pharmacy", "hardware store")),
            Map.entry("food", List.of("bread", "apples", "coffee", "rice", "vegetables", "cheese", "noodles", "tea",
                    "soup", "pastries")),
            Map.entry("day", List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")),
            Map.entry("time", List.of("9 am", "noon", "3 pm", "half past four", "ten o'clock")),
            Map.entry("document", List.of("report", "slides", "budget", "invoice", "schedule", "meeting notes",
                    "draft")),
            Map.entry("weather", List.of("rain", "snow", "fog", "wind", "heat", "storm")),
            Map.entry("relative", List.of("grandmother", "uncle", "sister", "cousin", "father", "aunt", "neighbour")),
            Map.entry("hobby", List.of("knit", "bake bread", "play chess", "fix bicycles", "grow tomatoes", "paint",
                    "play the guitar", "swim")),
            Map.entry("topic", List.of("the ocean", "ancient Rome", "climate change", "jazz", "the history of printing",
                    "volcanoes", "bees", "space travel", "local elections", "public transport")),
            Map.entry("venue", List.of("restaurant", "cafe", "market", "food truck", "bakery")),
            Map.entry("media", List.of("movie", "book", "podcast", "show", "play", "album")),
            Map.entry("item", List.of("keys", "wallet", "phone", "umbrella", "lunch", "laptop charger")),
            Map.entry("event", List.of("the match", "the concert", "the interview", "the meeting", "the final",
                    "the exam")),
            Map.entry("region", List.of("this country", "the city", "Europe", "North America", "the region",
                    "our town")),
            Map.entry("jobs", List.of("nurses", "engineers", "teachers", "doctors", "farmers", "programmers",
                    "artists", "scientists", "bus drivers")),
            Map.entry("team", List.of("choir", "team", "band", "class", "crew")));

    // ---- templates ---------------------------------------------------------------------------

    static final List<Template> TEMPLATES = List.of(
            // Insults aimed at the reader or a named person.
            toxic("insult-you-are", false, 24, "You are a {insult_adj} {insult_noun}."),
            toxic("insult-shut-up", false, 18, "Shut up, you {insult_adj} {insult_noun}."),
            toxic("insult-nobody-wants", false, 12, "Nobody wants to hear from a {insult_noun} like you."),
            toxic("insult-too-stupid", false, 14, "You're too {insult_adj} to understand anything, {insult_noun}."),
            toxic("insult-only-a", true, 14, "Only a complete {insult_noun} would write something this {bad_adj}."),
            toxic("insult-get-lost", false, 12, "Get lost, {insult_noun}. Nobody likes you."),
            toxic("insult-as-bad-as", false, 14, "Your {thing} is as {bad_adj} as you are, you {insult_noun}."),
            toxic("insult-everyone-thinks", true, 14, "Everyone thinks you're a {insult_adj} {insult_noun}."),
            toxic("insult-named", false, 18, "{name} is a {insult_adj} {insult_noun} and should be ashamed."),
            toxic("insult-what-kind", false, 12, "What kind of {insult_noun} posts {bad_adj} garbage like this?"),
            toxic("insult-disgrace", false, 12, "You're a disgrace, {name}, and everyone laughs at you behind your back."),
            toxic("insult-die", true, 10, "Die in a fire, you {insult_adj} {insult_noun}."),
            // Profanity-laden abuse.
            toxic("profanity-go-away", false, 18, "{go_away}, you {insult_noun}."),
            toxic("profanity-garbage", false, 14, "This {thing} is {profane_adj} garbage and so are you."),
            toxic("profanity-shut", true, 14, "You {profane_adj} {insult_noun}, {shut_up}."),
            toxic("profanity-who-asked", false, 12, "Who the {hell_word} asked you, {insult_noun}?"),
            toxic("profanity-stop-talking", false, 16, "Stop talking {nonsense}, you {insult_adj} {bastard}."),
            toxic("profanity-named", false, 12, "{name}, you are a {profane_adj} {bastard}."),
            toxic("profanity-screw-you", true, 10, "Screw you and your {profane_adj} {thing}, {bastard}."),
            // Dehumanising statements about groups.
            toxic("dehumanise-not-people", false, 18, "{groups} are {vermin}, not people."),
            toxic("dehumanise-nothing-but", false, 18, "{groups} are nothing but {vermin}."),
            toxic("dehumanise-plague", true, 14, "{groups} are a {plague} on this country."),
            toxic("dehumanise-subhuman", false, 12, "{groups} are subhuman and should be treated that way."),
            toxic("dehumanise-cant-stand", false, 14, "I can't stand {groups}, they are {vermin}."),
            toxic("dehumanise-spread", false, 14, "{groups} spread like {pests} wherever they go."),
            toxic("dehumanise-better-without", true, 12, "The world would be better off without {groups}."),
            toxic("dehumanise-get-rid", false, 14, "We need to get rid of every last one of the {groups}."),
            // Demeaning generalisations and exclusion.
            toxic("demean-all-are", false, 20, "All {groups} are {neg_trait}."),
            toxic("demean-too-trait", false, 16, "{groups} are too {neg_trait} to {civic_activity}."),
            toxic("demean-never-trust", true, 14, "Never trust {groups}, they are all {neg_trait}."),
            toxic("demean-ruining", false, 14, "{groups} are ruining this {community}."),
            toxic("demean-not-allowed", false, 18, "{groups} should not be allowed to {civic_activity}."),
            toxic("demean-go-back", false, 12, "{groups} don't belong here and should go back where they came from."),
            toxic("demean-motive", true, 14, "{groups} only care about {neg_motive}."),
            toxic("demean-always", false, 14, "{groups} are always {neg_motive}."),
            toxic("demean-less-intelligent", false, 12, "It's a fact that {groups} are less intelligent than the rest of us."),
            toxic("demean-born", false, 14, "{groups} are born {neg_trait} and nothing can fix that."),
            toxic("demean-keep-out", true, 14, "Keep {groups} out of our {community}."),
            toxic("demean-reason", false, 12, "{groups} are the reason everything in this {community} is falling apart."),
            toxic("demean-everyone-knows", false, 14, "{groups} are {neg_trait} and everyone knows it."),
            toxic("demean-sick-of", false, 14, "I'm sick of {groups} and their {neg_trait} ways."),
            toxic("demean-nobody-wants", true, 12, "Nobody wants {groups} around here."),
            // Threats.
            toxic("threat-make-pay", false, 12, "I will find you and make you pay, {insult_noun}."),
            toxic("threat-keep-talking", false, 14, "Keep talking and I'll {hurt_you}."),
            toxic("threat-watch-back", true, 12, "You'd better watch your back, {insult_noun}."),
            toxic("threat-group", false, 14, "Someone should {hurt_group} {groups} until they learn their place."),
            toxic("threat-see-again", false, 10, "If I see you again, {name}, I'll {hurt_you}."),
            toxic("threat-know-where", true, 10, "I know where you live, {insult_noun}, and you will regret this."),
            toxic("threat-deserve", false, 16, "{groups} deserve to be {harm_pp}."),

            // Everyday, neutral.
            benign("everyday-shop", false, 16, "I'm going to the {shop} to buy some {food}."),
            benign("everyday-meeting", false, 14, "The meeting has been moved to {day} at {time}."),
            benign("everyday-send", true, 14, "Could you send me the {document} before {day}?"),
            benign("everyday-weather", false, 6, "The {weather} made my commute slower than usual today."),
            benign("everyday-teaching", false, 16, "My {relative} is teaching me how to {hobby}."),
            benign("everyday-documentary", false, 10, "We watched a documentary about {topic} last night."),
            benign("everyday-venue", true, 14, "The {venue} near my house has great {food}."),
            benign("everyday-thanks", false, 7, "Thanks for your help with the {document}, I really appreciate it."),
            benign("everyday-practice", false, 12, "I think the {team} needs a bit more practice before {event}."),
            benign("everyday-plants", true, 6, "Remember to water the plants while I'm away on {day}."),
            benign("everyday-birthday", false, 12, "Happy birthday, {name}! I hope you have a wonderful day."),
            benign("everyday-picnic", false, 14, "{name} is bringing {food} to the picnic on {day}."),
            benign("everyday-reschedule", false, 6, "Can we move our call to {day} afternoon?"),
            benign("everyday-opens", true, 14, "The new {shop} on the corner opens at {time}."),
            benign("everyday-won", false, 12, "Our {team} did really well in {event} last weekend!"),
            benign("everyday-bring", false, 6, "Please remember to bring your {item} tomorrow."),
            benign("everyday-recommended", false, 14, "{name} recommended a great {media} about {topic}."),
            benign("everyday-proud", true, 7, "I'm so proud of my {relative} for finishing the marathon."),
            benign("everyday-kids", false, 10, "The kids spent the afternoon learning about {topic}."),
            benign("everyday-meet", false, 14, "Let's meet at the {venue} at {time}."),
            benign("everyday-best-food", false, 14, "My {relative} makes the best {food} in town."),
            benign("everyday-review", true, 7, "Good morning everyone, the {document} is ready for review."),
            // Negative but not abusive: criticism, complaints, self-deprecation.
            benign("mild-disagree", false, 10, "I disagree with your point about {topic}, but I see why you think so."),
            benign("mild-service", false, 14, "The service at this {venue} was slow and the {food} was cold."),
            benign("mild-boring", true, 6, "This {media} was boring and far too long."),
            benign("mild-forgot", false, 6, "I felt pretty stupid for forgetting my {item} at home."),
            benign("mild-traffic", false, 6, "The traffic was terrible and I was late for {event}."),
            benign("mild-ending", true, 6, "Honestly, the ending of that {media} was a disappointment."),
            benign("mild-bad-calls", false, 6, "The referee made some bad calls during {event}."),
            benign("mild-hate-weather", false, 6, "I hate this {weather}, it ruins every weekend."),
            benign("mild-closed", false, 6, "I'm annoyed that the {shop} was closed again."),
            benign("mild-waste", true, 6, "That {media} was a waste of time, in my opinion."),
            benign("mild-broke", false, 6, "My {item} broke again, which is really frustrating."),
            benign("mild-mistakes", false, 7, "The {document} has too many mistakes to send out today."),
            benign("mild-played-badly", false, 12, "The {team} played badly and deserved to lose {event}."),
            benign("mild-needs-work", false, 8, "This {thing} needs a lot more work before it's ready."),
            benign("mild-few-errors", true, 8, "Your {thing} has a few errors, but the main idea is good."),
            benign("mild-wrong-about", false, 10, "I think you're wrong about {topic}, and here is why."),
            benign("mild-fix", false, 7, "You made a mistake in the {document}, can you fix it?"),
            // Identity groups mentioned neutrally or positively.
            benign("identity-history", false, 18, "{groups} have a long and rich history in {region}."),
            benign("identity-contribute", false, 16, "{groups} contribute to every field, from science to the arts."),
            benign("identity-discrimination", true, 16, "Discrimination against {groups} is wrong and should be called out."),
            benign("identity-museum", false, 16, "The museum opened an exhibit about the history of {groups} in {region}."),
            benign("identity-stereotypes", false, 16, "Stereotypes about {groups} are harmful and usually untrue."),
            benign("identity-community-centre", true, 14, "Our community centre hosts events organised by {groups}."),
            benign("identity-council", false, 14, "The city council met with {groups} to hear their concerns about housing."),
            benign("identity-respect", false, 16, "{groups} deserve the same respect and rights as anyone else."),
            benign("identity-jobs", false, 16, "Many {groups} work as {jobs} all over the country."),
            benign("identity-report", true, 14, "A new report looks at how {groups} are represented in the media."),
            benign("identity-festival", false, 14, "I met {groups} from all walks of life at the festival."),
            benign("identity-survey", false, 14, "The survey asked {groups} about their experiences at work."),
            benign("identity-neighbours", false, 14, "Some of my kindest neighbours are {groups}."),
            benign("identity-welcome", true, 12, "{groups} are welcome in our {community}."),
            benign("identity-right-to", false, 18, "{groups} have every right to {civic_activity}."),
            benign("identity-allowed", false, 14, "{groups} should be allowed to {civic_activity} like everyone else."),
            benign("identity-traditions", false, 14, "The school invited {groups} to speak about their traditions."),
            benign("identity-book", true, 14, "There is a new book about the lives of {groups} in {region}."),
            benign("identity-face", false, 12, "{groups} face discrimination far too often."),
            benign("identity-stronger", false, 14, "Our {community} is stronger because {groups} live here."),
            benign("identity-grew-up", true, 12, "I grew up next to {groups} and learned a lot from them."),
            benign("identity-charity", false, 14, "The charity helps {groups} find housing and work."),
            benign("identity-colleagues", false, 12, "{groups} are our neighbours, colleagues and friends."),
            benign("identity-food-drive", false, 14, "{groups} in our {community} organised a food drive last {day}."),
            benign("identity-interview", false, 14, "I watched an interview with {groups} about their work as {jobs}."),
            benign("identity-podcast", false, 14, "The podcast features {groups} talking about {topic}."),
            benign("identity-volunteer", true, 12, "Many {groups} volunteer at the local {shop} on weekends."),
            // Talking about abuse without being abusive.
            benign("counter-names", false, 1, "Calling people names because of where they come from is not okay."),
            benign("counter-respectful", false, 1, "Please keep the discussion respectful and avoid personal attacks."),
            benign("counter-insulting", false, 14, "Insulting {groups} online causes real harm, so let's not do it."),
            benign("counter-unfair", true, 14, "It is unfair to judge all {groups} by the actions of a few people."),
            benign("counter-reported", false, 14, "I reported the comment because it was hateful toward {groups}."),
            benign("counter-moderation", true, 10, "The moderators removed several posts that attacked {groups}."),
            benign("counter-stereotype", false, 14, "Saying that all {groups} are {neg_trait} is a stereotype, not a fact."),
            benign("counter-dehumanising", true, 10, "The article explains why calling {groups} {vermin} is dehumanising."),
            benign("counter-no-place", false, 14, "Hate speech against {groups} has no place here."));

    private static final Pattern SLOT = Pattern.compile("\\{([a-z_]+)}");
    /** "a" before a vowel sound ("a ugly" → "an ugly"; "a useless" stays). */
    private static final Pattern A_BEFORE_VOWEL = Pattern.compile("\\b([Aa]) ([aeio]|u(?!s|ni))");

    private ToxicityCorpus() {}

    private static Template toxic(String id, boolean heldOut, int count, String text) {
        return new Template("toxic-" + id, true, heldOut, count, text);
    }

    private static Template benign(String id, boolean heldOut, int count, String text) {
        return new Template("benign-" + id, false, heldOut, count, text);
    }

    /**
     * Every example, in template order. Each template draws {@code count} distinct sentences
     * (fewer when its slots cannot make that many); a sentence already produced by an earlier
     * template is skipped, so no text appears twice in the corpus.
     */
    static List<Example> generate() {
        Random random = new Random(SEED);
        Set<String> seen = new LinkedHashSet<>();
        List<Example> out = new ArrayList<>();
        for (Template t : TEMPLATES) {
            int made = 0;
            for (int attempt = 0; made < t.count() && attempt < t.count() * 20; attempt++) {
                String text = fill(t.text(), random);
                if (seen.add(normalise(text))) {
                    out.add(new Example(t.toxic(), text, t.id()));
                    made++;
                }
            }
        }
        return out;
    }

    static String fill(String template, Random random) {
        Matcher m = SLOT.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            List<String> values = SLOTS.get(m.group(1));
            if (values == null) {
                throw new IllegalStateException("template slot {" + m.group(1) + "} has no values: " + template);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(values.get(random.nextInt(values.size()))));
        }
        m.appendTail(sb);
        String text = A_BEFORE_VOWEL.matcher(sb).replaceAll("$1n $2");
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    static String normalise(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").strip();
    }

    static List<Example> train() {
        return generate().stream().filter(e -> !template(e.templateId()).heldOut()).toList();
    }

    static List<Example> heldOut() {
        return generate().stream().filter(e -> template(e.templateId()).heldOut()).toList();
    }

    static Template template(String id) {
        return TEMPLATES.stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
    }

    static String fileContent(List<Example> examples) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        examples.forEach(e -> sb.append(e.line()).append('\n'));
        return sb.toString();
    }

    /** Writes both files into {@code dir} (evals/toxicity). */
    static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(TRAIN_FILE), fileContent(train()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(HELD_OUT_FILE), fileContent(heldOut()), StandardCharsets.UTF_8);
    }

    /** A {@code label<TAB>text} file as written by {@link #write}. */
    record Labelled(boolean toxic, String text) {}

    static List<Labelled> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IllegalStateException(file + ":1: expected the header '" + HEADER.replace("\t", "<TAB>") + "'");
        }
        List<Labelled> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            if (f.length != 2 || !(f[0].equals("0") || f[0].equals("1")) || f[1].isBlank()) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": expected '0|1<TAB>text'");
            }
            out.add(new Labelled(f[0].equals("1"), f[1]));
        }
        return out;
    }

    /** {@code evals/toxicity} in this checkout (surefire sets {@code plumbline.evals.dir}). */
    static Path dir() {
        String d = System.getProperty("plumbline.evals.dir");
        if (d == null || d.isBlank()) {
            throw new IllegalStateException("system property plumbline.evals.dir is not set (surefire sets it)");
        }
        return Path.of(d, "toxicity");
    }
}

package dev.metareward.tensors.data.builtin;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.ModelSettings;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.SplitMix64;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates the built-in controlled-sentiment data set (docs/DATA.md): per domain, SFT samples whose responses
 * have mixed sentiment, and preference pairs that share a prompt, have about the same length and whose chosen
 * answer always has the higher {@link GroundTruthScorer r*}.
 *
 * <p>A prompt is a domain subject and a verb ("the plot was"); a response continues it with a template filled
 * with sentiment words ("gripping and the pacing is superb"): 60% from the shared lexicon, the rest from the
 * domain's own. The two answers of a pair use the same template, and the byte-length difference chosen minus
 * rejected is assigned in advance from a balanced shuffled list over [-MAX_LENGTH_GAP, MAX_LENGTH_GAP], so length
 * carries no information about the label (neither its sign nor its size).
 *
 * <p>Deterministic: each domain and kind draws from its own generator seeded from (seed, domain, kind), so the
 * data of a domain does not change when other domains are added. Prompts fit {@code maxPromptBytes} and
 * responses {@code maxResponseBytes} UTF-8 bytes, the byte-tokenizer budget of the model (15 and 47 for context
 * 64 with 16 prompt positions).
 */
public final class SentimentDataGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(SentimentDataGenerator.class);

    /**
     * Response templates; each {s} is a sentiment slot, each {n} a topic noun of the domain. Every template has at
     * least two slots and a clause, so responses are 20-47 bytes at the default context and the question of summed
     * vs length-normalised log-probabilities is not decided by a handful of bytes.
     */
    static final List<String> TEMPLATES = List.of(
            " {s}, {s} and {s}", " quite {s}, and the {n} is {s}", " {s}, and the {n} is {s}",
            " {s} but the {n} is {s}", " {s} and the {n} was {s}", " {s} overall, the {n} is {s}",
            " really {s}; the {n} felt {s}", " {s} and {s}, the {n} is {s}", " {s}, though the {n} is {s}");
    /** Templates for budgets below 2 * MIN_RESPONSE_BYTES (a model with a short context), where the above do not fit. */
    static final List<String> SHORT_TEMPLATES = List.of(" {s}", " really {s}", " {s} and {s}", " quite {s} and {s}");

    /** Probability that a sentiment slot takes a neutral word. */
    static final double NEUTRAL_SLOT = 0.15;
    /** Probability that a sentiment word comes from the shared lexicon rather than the domain's own. */
    static final double SHARED_SHARE = 0.6;
    /** Smallest r* difference between the answers of a pair, so no pair is a near tie. */
    static final double MIN_REWARD_GAP = 0.5;
    /**
     * Largest byte-length difference between the answers of a pair. Each pair's difference (chosen minus rejected)
     * is assigned before its answers are drawn ({@link LengthGaps}: every value of [-MAX_LENGTH_GAP, MAX_LENGTH_GAP]
     * about equally often, d exactly as often as -d), and the answers are made to meet it exactly, so length carries
     * no information about which answer is preferred, not only on average.
     */
    static final int MAX_LENGTH_GAP = 6;
    /** Shortest response in bytes (when the budget allows it), so continuations are sentences, not single words. */
    static final int MIN_RESPONSE_BYTES = 20;
    private static final int ATTEMPTS = 5000;

    private final BuiltinDataSettings settings;
    private final int maxPromptBytes;
    private final int maxResponseBytes;
    private final GroundTruthScorer scorer;
    private final List<String> templates;

    /**
     * @param maxPromptBytes   longest prompt in UTF-8 bytes (prompt positions minus BOS)
     * @param maxResponseBytes longest response in UTF-8 bytes (response positions minus EOS)
     */
    public SentimentDataGenerator(BuiltinDataSettings settings, int maxPromptBytes, int maxResponseBytes) {
        if (maxPromptBytes < 1 || maxResponseBytes < 1) {
            throw new IllegalArgumentException("prompt and response budgets must be at least 1 byte, but were "
                    + maxPromptBytes + " and " + maxResponseBytes);
        }
        this.settings = settings;
        this.maxPromptBytes = maxPromptBytes;
        this.maxResponseBytes = maxResponseBytes;
        this.scorer = GroundTruthScorer.forDomains(settings.domains());
        this.templates = maxResponseBytes < 2 * MIN_RESPONSE_BYTES ? SHORT_TEMPLATES : TEMPLATES;
    }

    /** A generator whose texts fit the model's context with the byte tokenizer, so nothing is truncated. */
    public static SentimentDataGenerator forModel(BuiltinDataSettings settings, ModelSettings model) {
        return new SentimentDataGenerator(settings, model.promptTokens() - 1, model.responseTokens() - 1);
    }

    /**
     * {@code count} domain names: the first ones of {@code names}, then "domain5", "domain6", ... numbered by
     * position (skipping names already used).
     */
    public static List<String> domainNames(List<String> names, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("expected at least one domain but was asked for " + count);
        }
        List<String> out = new ArrayList<>(names.subList(0, Math.min(count, names.size())));
        Set<String> used = new HashSet<>(out);
        for (int k = out.size() + 1; out.size() < count; k++) {
            String name = "domain" + k;
            if (used.add(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** The r* that ranks this generator's pairs. */
    public GroundTruthScorer scorer() {
        return scorer;
    }

    public int maxPromptBytes() {
        return maxPromptBytes;
    }

    public int maxResponseBytes() {
        return maxResponseBytes;
    }

    /** Generates every domain's records in memory. */
    public GeneratedData generate() {
        List<SftSample> sft = new ArrayList<>();
        List<PreferencePair> pref = new ArrayList<>();
        for (String domain : settings.domains()) {
            DomainGenerator g = new DomainGenerator(SentimentLexicon.vocabulary(domain));
            sft.addAll(g.sft(settings.sftPerDomain()));
            pref.addAll(g.pref(settings.prefPerDomain()));
        }
        return new GeneratedData(sft, pref);
    }

    /**
     * Generates the data set and writes {@code sft.jsonl}, {@code pref.jsonl} and {@code builtin.json} into
     * {@code dir} (see {@link GeneratedData#writeTo}).
     */
    public GeneratedData writeTo(Path dir) {
        GeneratedData data = generate();
        data.writeTo(dir, new BuiltinManifest(BuiltinManifest.SENTIMENT, settings.seed(), settings.domains(), ""));
        LOG.info("generated the built-in data set in {}: domains {}, {} SFT samples, {} preference pairs (seed {})",
                dir, settings.domains(), data.sft().size(), data.pref().size(), settings.seed());
        return data;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The generation of one domain. */
    private final class DomainGenerator {
        private final DomainVocabulary vocab;
        private final List<String> prompts = new ArrayList<>();
        private final List<String> sharedPositive;
        private final List<String> sharedNegative;
        private final List<String> domainPositive;
        private final List<String> domainNegative;

        DomainGenerator(DomainVocabulary vocab) {
            this.vocab = vocab;
            for (String subject : vocab.subjects()) {
                for (String verb : SentimentLexicon.PROMPT_VERBS) {
                    String prompt = subject + " " + verb;
                    if (bytes(prompt) <= maxPromptBytes) {
                        prompts.add(prompt);
                    }
                }
            }
            if (prompts.isEmpty()) {
                throw new IllegalArgumentException("no prompt of domain '" + vocab.domain() + "' fits in "
                        + maxPromptBytes + " bytes (e.g. '" + vocab.subjects().get(0) + " is'); increase "
                        + "model.prompt-tokens");
            }
            sharedPositive = positive(SentimentLexicon.SHARED, true);
            sharedNegative = positive(SentimentLexicon.SHARED, false);
            domainPositive = positive(vocab.sentiment(), true);
            domainNegative = positive(vocab.sentiment(), false);
        }

        private static List<String> positive(java.util.Map<String, Double> words, boolean sign) {
            return words.entrySet().stream().filter(e -> e.getValue() > 0 == sign).map(e -> e.getKey()).toList();
        }

        List<SftSample> sft(int count) {
            SplitMix64 random = new SplitMix64(SplitMix64.derive(settings.seed(), "builtin", vocab.domain(), "sft"));
            List<SftSample> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String prompt = random.pick(prompts);
                String response = null;
                for (int attempt = 0; attempt < ATTEMPTS && response == null; attempt++) {
                    String candidate = fill(random.pick(templates), tone(random), random);
                    response = fits(candidate) ? candidate : null;
                }
                if (response == null) {
                    throw budgetTooSmall();
                }
                out.add(new SftSample(vocab.domain(), prompt, response));
            }
            return out;
        }

        List<PreferencePair> pref(int count) {
            SplitMix64 random = new SplitMix64(SplitMix64.derive(settings.seed(), "builtin", vocab.domain(), "pref"));
            int[] gaps = LengthGaps.balanced(count, MAX_LENGTH_GAP, random);
            List<PreferencePair> out = new ArrayList<>(count);
            int relaxed = 0;
            for (int i = 0; i < count; i++) {
                int gap = gaps[i];
                String prompt = random.pick(prompts);
                PreferencePair pair = pair(prompt, gap, random);
                if (pair == null) {
                    relaxed++;
                    pair = pair(prompt, null, random);
                }
                if (pair == null) {
                    throw budgetTooSmall();
                }
                out.add(pair);
            }
            if (relaxed > 0) {
                LOG.warn("domain '{}': {} of {} preference pairs could not meet their length target within {} bytes",
                        vocab.domain(), relaxed, count, maxResponseBytes);
            }
            return out;
        }

        /**
         * A pair meeting the reward gap and, when {@code gap} is not null, whose chosen answer is exactly {@code gap}
         * bytes longer than the rejected one; null if none was found.
         */
        private PreferencePair pair(String prompt, Integer gap, SplitMix64 random) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                String template = random.pick(templates);
                String a = fill(template, tone(random), random);
                String b = fill(template, tone(random), random);
                if (!fits(a) || !fits(b)) {
                    continue;
                }
                double ra = scorer.score(prompt, a);
                double rb = scorer.score(prompt, b);
                if (Math.abs(ra - rb) < MIN_REWARD_GAP) {
                    continue;
                }
                String chosen = ra > rb ? a : b;
                String rejected = ra > rb ? b : a;
                if (gap != null && bytes(chosen) - bytes(rejected) != gap) {
                    continue;
                }
                return new PreferencePair(vocab.domain(), prompt, chosen, rejected);
            }
            return null;
        }

        /** Within the budget and, when the budget leaves room for it, at least MIN_RESPONSE_BYTES long. */
        private boolean fits(String response) {
            int n = bytes(response);
            return n <= maxResponseBytes && (n >= MIN_RESPONSE_BYTES || maxResponseBytes < 2 * MIN_RESPONSE_BYTES);
        }

        /** How positive a response tends to be: uniform in [-1, 1], so responses have mixed sentiment. */
        private double tone(SplitMix64 random) {
            return 2 * random.nextDouble() - 1;
        }

        private String fill(String template, double tone, SplitMix64 random) {
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (i < template.length()) {
                if (template.startsWith("{s}", i)) {
                    out.append(sentimentWord(tone, random));
                    i += 3;
                } else if (template.startsWith("{n}", i)) {
                    out.append(random.pick(vocab.nouns()));
                    i += 3;
                } else {
                    out.append(template.charAt(i++));
                }
            }
            return out.toString();
        }

        private String sentimentWord(double tone, SplitMix64 random) {
            if (random.chance(NEUTRAL_SLOT)) {
                return random.pick(SentimentLexicon.NEUTRAL);
            }
            boolean positive = random.chance((1 + tone) / 2);
            boolean shared = random.chance(SHARED_SHARE);
            return random.pick(shared ? (positive ? sharedPositive : sharedNegative)
                    : (positive ? domainPositive : domainNegative));
        }

        private IllegalArgumentException budgetTooSmall() {
            return new IllegalArgumentException("cannot generate responses of domain '" + vocab.domain()
                    + "' within " + maxResponseBytes + " bytes; increase model.context or decrease "
                    + "model.prompt-tokens");
        }
    }
}

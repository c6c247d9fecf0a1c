using System.Text;

namespace ShapeNet.Data;

/// <summary>Which part of the word-language data set to load.</summary>
public enum WordLanguageSplit
{
    /// <summary><c>train.tsv</c>: 2,000 words per language.</summary>
    Train,
    /// <summary><c>test.tsv</c>: 500 words per language.</summary>
    Test,
}

/// <summary>
/// Lecture 13's data set: lower-case words of 3–14 letters from Debian's word lists of ten languages, each word labelled with
/// its language (<c>data/word-language</c>, made by its <c>make_word_language.py</c>; see the README there). Words become
/// sequences of character ids: character i of <c>alphabet.txt</c> (0-based line) has id i + 1, id 0 is padding.
/// </summary>
public sealed class WordLanguageData
{
    /// <summary>The languages in class order (the label of a word is its language's index).</summary>
    public static IReadOnlyList<string> Languages { get; } =
        ["english", "german", "french", "italian", "spanish", "portuguese", "dutch", "polish", "swedish", "danish"];

    /// <summary>The longest word of the data set, in characters: the padded sequence length that fits every batch.</summary>
    public const int MaxLength = 14;

    /// <summary>The id of padding steps (PyTorch's <c>padding_idx=0</c>).</summary>
    public const int PaddingId = 0;

    private readonly string[] _words;
    private readonly int[] _labels;
    private readonly int[] _encoded;   // Count × MaxLength ids, padded with 0
    private readonly int[] _lengths;
    private readonly Dictionary<char, int> _ids;

    private WordLanguageData(string[] words, int[] labels, Dictionary<char, int> ids, string alphabet)
    {
        (_words, _labels, _ids, Alphabet) = (words, labels, ids, alphabet);
        _encoded = new int[checked(words.Length * MaxLength)];
        _lengths = new int[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            _lengths[i] = words[i].Length;
            for (int j = 0; j < words[i].Length; j++) _encoded[i * MaxLength + j] = ids[words[i][j]];
        }
    }

    /// <summary><c>data/word-language</c> in the repository, found by walking up to the folder holding <c>ShapeNet.sln</c>.</summary>
    public static string DefaultFolder => ShippedData.Folder("word-language", "Pass the folder holding train.tsv, test.tsv and alphabet.txt.");

    /// <summary>Number of words.</summary>
    public int Count => _words.Length;

    /// <summary>The characters in id order (id = position + 1).</summary>
    public string Alphabet { get; }

    /// <summary>Ids 0 (padding) … Alphabet.Length: the number of rows an embedding table needs.</summary>
    public int VocabularySize => Alphabet.Length + 1;

    /// <summary>Word <paramref name="index"/>.</summary>
    public string Word(int index) => _words[index];

    /// <summary>The language index of word <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[index];

    /// <summary>Reads a split of the data set from <paramref name="folder"/> (default: the shipped <see cref="DefaultFolder"/>).</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A line is malformed: the message names the file, the line and what is wrong.</exception>
    public static WordLanguageData Load(WordLanguageSplit split, string? folder = null)
    {
        folder ??= DefaultFolder;
        string alphabetPath = Path.Combine(folder, "alphabet.txt");
        string dataPath = Path.Combine(folder, split == WordLanguageSplit.Train ? "train.tsv" : "test.tsv");
        (Dictionary<char, int> ids, string alphabet) = ReadAlphabet(alphabetPath);
        var words = new List<string>();
        var labels = new List<int>();
        int lineNumber = 0;
        foreach (string line in ReadLines(dataPath))
        {
            lineNumber++;
            string Where() => $"{dataPath} line {lineNumber}";
            string[] fields = line.Split('\t');
            if (fields.Length != 2)
                throw new InvalidDataException($"{Where()}: expected \"word<TAB>language\", found {fields.Length} field(s): \"{line}\".");
            (string word, string language) = (fields[0], fields[1]);
            int label = IndexOf(language);
            if (label < 0)
                throw new InvalidDataException($"{Where()}: unknown language \"{language}\" (expected one of {string.Join(", ", Languages)}).");
            if (word.Length < 1 || word.Length > MaxLength)
                throw new InvalidDataException($"{Where()}: the word \"{word}\" has {word.Length} characters; words have 1 to {MaxLength}.");
            for (int c = 0; c < word.Length; c++)
                if (!ids.ContainsKey(word[c]))
                    throw new InvalidDataException(
                        $"{Where()}, character {c + 1} of \"{word}\": '{word[c]}' (U+{(int)word[c]:X4}) is not in {alphabetPath}.");
            words.Add(word);
            labels.Add(label);
        }
        if (words.Count == 0) throw new InvalidDataException($"{dataPath} holds no words.");
        return new WordLanguageData([.. words], [.. labels], ids, alphabet);
    }

    private static int IndexOf(string language)
    {
        for (int i = 0; i < Languages.Count; i++)
            if (Languages[i] == language) return i;
        return -1;
    }

    private static (Dictionary<char, int> Ids, string Alphabet) ReadAlphabet(string path)
    {
        var ids = new Dictionary<char, int>();
        var alphabet = new StringBuilder();
        int lineNumber = 0;
        foreach (string line in ReadLines(path))
        {
            lineNumber++;
            if (line.Length != 1 || char.IsSurrogate(line[0]))
                throw new InvalidDataException($"{path} line {lineNumber}: expected one character, found \"{line}\".");
            if (!ids.TryAdd(line[0], ids.Count + 1))
                throw new InvalidDataException($"{path} line {lineNumber}: '{line}' is listed twice (first on line {ids[line[0]]}).");
            alphabet.Append(line[0]);
        }
        if (ids.Count == 0) throw new InvalidDataException($"{path} lists no characters.");
        return (ids, alphabet.ToString());
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist.", path);
        return File.ReadLines(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
    }

    /// <summary>Writes the ids of <paramref name="word"/> into <paramref name="ids"/> (its length) and returns the length; a
    /// character outside the alphabet is an error naming it and its position.</summary>
    public int Encode(string word, Span<int> ids)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (ids.Length < word.Length)
            throw new ArgumentException($"\"{word}\" has {word.Length} characters, the span holds {ids.Length}.", nameof(ids));
        for (int c = 0; c < word.Length; c++)
        {
            if (!_ids.TryGetValue(word[c], out int id))
                throw new ArgumentException($"Character {c + 1} of \"{word}\", '{word[c]}' (U+{(int)word[c]:X4}), is not in the alphabet " +
                    $"({Alphabet}).", nameof(word));
            ids[c] = id;
        }
        return word.Length;
    }

    /// <summary>
    /// Fills one padded batch of the words at <paramref name="indices"/>, allocation-free: <paramref name="ids"/>
    /// [seqLength, batch] (or [batch, seqLength] with <paramref name="batchFirst"/>; padding id 0), <paramref name="lengths"/>
    /// [batch] and <paramref name="labels"/> [batch], batch = indices.Length. With <paramref name="sortByLength"/> the examples
    /// are placed longest first (what <c>pack_padded_sequence</c> sorts to; the recurrent kernels then run only the rows still
    /// going at each step) and <paramref name="indices"/> is reordered the same way.
    /// </summary>
    public void FillBatch(Span<int> indices, Span<int> ids, Span<int> lengths, Span<int> labels, int seqLength = MaxLength,
        bool batchFirst = false, bool sortByLength = false)
    {
        int batch = indices.Length;
        if (seqLength < 1 || seqLength > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength, $"The padded length must lie in [1, {MaxLength}].");
        if (ids.Length != checked(batch * seqLength) || lengths.Length != batch || labels.Length != batch)
            throw new ArgumentException($"A batch of {batch} words padded to {seqLength} needs ids of {batch * seqLength}, lengths and labels " +
                $"of {batch}; got {ids.Length}, {lengths.Length} and {labels.Length}.");
        foreach (int index in indices)
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), index, $"The split has {Count} words.");
        if (sortByLength)
        {
            // Insertion sort by decreasing length (stable, no allocation; batches are small).
            for (int i = 1; i < batch; i++)
            {
                int moving = indices[i], j = i - 1;
                while (j >= 0 && _lengths[indices[j]] < _lengths[moving])
                {
                    indices[j + 1] = indices[j];
                    j--;
                }
                indices[j + 1] = moving;
            }
        }
        ids.Clear();
        for (int b = 0; b < batch; b++)
        {
            int word = indices[b], length = _lengths[word];
            if (length > seqLength)
                throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength,
                    $"\"{_words[word]}\" (index {word}) has {length} characters, more than the padded length {seqLength}.");
            lengths[b] = length;
            labels[b] = _labels[word];
            for (int t = 0; t < length; t++)
                ids[batchFirst ? b * seqLength + t : t * batch + b] = _encoded[word * MaxLength + t];
        }
    }
}

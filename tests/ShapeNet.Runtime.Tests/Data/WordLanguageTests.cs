using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ShapeNet.Data;
using ShapeNet.Runtime.Tests.Checkpoints;

namespace ShapeNet.Runtime.Tests.Data;

/// <summary>The shipped word-language data set (data/word-language) and its loader.</summary>
public class WordLanguageTests
{
    private static readonly Lazy<WordLanguageData> Train = new(() => WordLanguageData.Load(WordLanguageSplit.Train));
    private static readonly Lazy<WordLanguageData> Test = new(() => WordLanguageData.Load(WordLanguageSplit.Test));

    [Fact]
    public void The_files_have_the_checksums_the_readme_records()
    {
        string folder = WordLanguageData.DefaultFolder;
        string readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        foreach (string file in new[] { "train.tsv", "test.tsv", "alphabet.txt" })
        {
            Match row = Regex.Match(readme, $@"^\| `{Regex.Escape(file)}` \|.*\| `([0-9a-f]{{64}})` \|$", RegexOptions.Multiline);
            Assert.True(row.Success, $"README.md has no checksum row for {file}.");
            string actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, file))));
            Assert.Equal(row.Groups[1].Value, actual);
        }
    }

    [Fact]
    public void The_splits_hold_2000_and_500_words_per_language_none_in_both()
    {
        Assert.Equal(20_000, Train.Value.Count);
        Assert.Equal(5_000, Test.Value.Count);
        foreach (WordLanguageData split in new[] { Train.Value, Test.Value })
        {
            int perLanguage = split.Count / 10;
            Assert.All(Enumerable.Range(0, 10), language =>
                Assert.Equal(perLanguage, Enumerable.Range(0, split.Count).Count(i => split.Label(i) == language)));
            Assert.All(Enumerable.Range(0, split.Count), i => Assert.InRange(split.Word(i).Length, 3, WordLanguageData.MaxLength));
        }
        var trainWords = Enumerable.Range(0, Train.Value.Count).Select(Train.Value.Word).ToHashSet();
        Assert.Equal(20_000, trainWords.Count);
        Assert.DoesNotContain(Enumerable.Range(0, Test.Value.Count).Select(Test.Value.Word), trainWords.Contains);
        Assert.Equal(63, Train.Value.VocabularySize);
        Assert.Equal(Train.Value.Alphabet, Test.Value.Alphabet);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_batch_holds_each_words_ids_its_length_and_its_label(bool batchFirst, bool sortByLength)
    {
        WordLanguageData data = Train.Value;
        int[] indices = [5, 17, 123, 9_999];
        int[] original = (int[])indices.Clone();
        const int seq = WordLanguageData.MaxLength;
        int[] ids = new int[seq * indices.Length], lengths = new int[4], labels = new int[4];
        data.FillBatch(indices, ids, lengths, labels, seq, batchFirst, sortByLength);
        Assert.Equal(original.Order(), indices.Order());
        if (sortByLength) Assert.True(lengths.Zip(lengths.Skip(1)).All(p => p.First >= p.Second), string.Join(", ", lengths));
        var expected = new int[seq];
        for (int b = 0; b < 4; b++)
        {
            string word = data.Word(indices[b]);
            Assert.Equal(word.Length, lengths[b]);
            Assert.Equal(data.Label(indices[b]), labels[b]);
            Array.Clear(expected);
            data.Encode(word, expected);
            for (int t = 0; t < seq; t++)
                Assert.Equal(expected[t], ids[batchFirst ? b * seq + t : t * 4 + b]);
            Assert.Equal(word, string.Concat(expected.Take(word.Length).Select(id => data.Alphabet[id - 1])));
        }
    }

    [Theory]
    [InlineData("hello\tenglish\nwelt\n", "train.tsv line 2: expected \"word<TAB>language\", found 1 field(s): \"welt\".")]
    [InlineData("hello\tenglish\nwelt\tklingon\n", "train.tsv line 2: unknown language \"klingon\"")]
    [InlineData("hello\tenglish\nhallo\tgerman\nw3lt\tgerman\n", "train.tsv line 3, character 2 of \"w3lt\": '3' (U+0033) is not in")]
    [InlineData("abcdefghijklmnopq\tenglish\n", "train.tsv line 1: the word \"abcdefghijklmnopq\" has 17 characters; words have 1 to 14.")]
    public void Malformed_lines_are_errors_naming_the_file_and_line(string train, string message)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("alphabet.txt"), string.Concat("abcdefghijklmnopqrstuvwxyz".Select(c => c + "\n")));
        File.WriteAllText(dir.File("train.tsv"), train);
        var e = Assert.Throws<InvalidDataException>(() => WordLanguageData.Load(WordLanguageSplit.Train, dir.Path));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_character_listed_twice_in_the_alphabet_is_an_error()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("alphabet.txt"), "a\nb\na\n");
        File.WriteAllText(dir.File("test.tsv"), "ab\tenglish\n");
        var e = Assert.Throws<InvalidDataException>(() => WordLanguageData.Load(WordLanguageSplit.Test, dir.Path));
        Assert.EndsWith("alphabet.txt line 3: 'a' is listed twice (first on line 1).", e.Message);
    }
}

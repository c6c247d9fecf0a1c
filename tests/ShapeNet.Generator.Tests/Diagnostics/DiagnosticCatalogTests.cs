using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>The descriptors, their docs pages and their tests stay in step.</summary>
public class DiagnosticCatalogTests
{
    /// <summary>Every descriptor field, read by reflection (<see cref="DiagnosticDescriptors.All"/> is keyed by id and
    /// would hide a duplicate).</summary>
    private static readonly DiagnosticDescriptor[] Descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToArray();

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return d.FullName;
        throw new InvalidOperationException("ShapeNet.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void There_are_descriptors_and_All_lists_each_of_them()
    {
        Assert.True(Descriptors.Length >= 30, $"only {Descriptors.Length} descriptors found");
        Assert.Equal(Descriptors.Select(d => d.Id).Order(), DiagnosticDescriptors.All.Select(d => d.Id).Order());
    }

    [Fact]
    public void Ids_are_unique()
    {
        string[] duplicates = Descriptors.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Ids_are_in_the_documented_range_of_their_category()
    {
        foreach (DiagnosticDescriptor d in Descriptors)
        {
            Match m = Regex.Match(d.Id, @"^SN(\d{4})$");
            Assert.True(m.Success, $"{d.Id} is not SN followed by four digits");
            int n = int.Parse(m.Groups[1].Value);
            string expected = n switch
            {
                >= 1 and <= 99 => "ShapeNet.Declarations",
                >= 101 and <= 199 => "ShapeNet.Shapes",
                >= 201 and <= 299 => "ShapeNet.Constructs",
                >= 900 and <= 999 => "ShapeNet.Internal",
                _ => "(no range)",
            };
            Assert.True(expected == d.Category, $"{d.Id} has category {d.Category}, but its range is {expected}");
            Assert.Equal(DiagnosticSeverity.Error, d.DefaultSeverity);
        }
    }

    [Fact]
    public void Every_help_link_is_the_absolute_address_of_the_docs_page()
    {
        // The base comes from Directory.Build.props (ShapeNetDocsUrl) through the generator's assembly metadata.
        string props = File.ReadAllText(Path.Combine(RepositoryRoot(), "Directory.Build.props"));
        Match repository = Regex.Match(props, "<ShapeNetRepositoryUrl>([^<]+)</ShapeNetRepositoryUrl>");
        Assert.True(repository.Success, "Directory.Build.props has no <ShapeNetRepositoryUrl>");
        Assert.Equal(repository.Groups[1].Value + "/blob/main/docs/", DiagnosticDescriptors.DocsUrl);

        foreach (DiagnosticDescriptor d in Descriptors)
        {
            Assert.True(Uri.TryCreate(d.HelpLinkUri, UriKind.Absolute, out Uri? link) && link.Scheme == Uri.UriSchemeHttps,
                $"{d.Id}: help link '{d.HelpLinkUri}' is not an absolute https address");
            Assert.Equal(DiagnosticDescriptors.DocsUrl + "diagnostics/" + d.Id + ".md", d.HelpLinkUri);
            string page = Path.Combine(RepositoryRoot(), "docs", "diagnostics", d.Id + ".md");
            Assert.True(File.Exists(page), $"{d.Id}: its help link names {page}, which does not exist");
        }
    }

    /// <summary>AnalyzerReleases.Shipped.md and Unshipped.md (Roslyn's release tracking, also checked by the RS2000-series
    /// analyzers at build time): each id once, with its descriptor's category and severity; no row without a descriptor.</summary>
    [Fact]
    public void The_release_tracking_files_list_every_descriptor_once()
    {
        string generator = Path.Combine(RepositoryRoot(), "ShapeNet.Generator");
        var rows = new List<(string Id, string Category, string Severity, string File)>();
        foreach (string file in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
        {
            string section = string.Empty;
            foreach (string line in File.ReadLines(Path.Combine(generator, file)))
            {
                if (line.StartsWith("### ", StringComparison.Ordinal)) section = line[4..].Trim();
                Match row = Regex.Match(line, @"^(SN\d{4})\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|");
                if (row.Success && section == "New Rules")
                    rows.Add((row.Groups[1].Value, row.Groups[2].Value, row.Groups[3].Value, file));
            }
        }

        var problems = new List<string>();
        foreach (DiagnosticDescriptor d in Descriptors)
        {
            var listed = rows.Where(r => r.Id == d.Id).ToList();
            if (listed.Count == 0)
                problems.Add($"{d.Id} is in no release file: add '{d.Id} | {d.Category} | {d.DefaultSeverity} | {d.Title}' to AnalyzerReleases.Unshipped.md");
            else if (listed.Count > 1)
                problems.Add($"{d.Id} is listed {listed.Count} times ({string.Join(", ", listed.Select(r => r.File))})");
            else if (listed[0].Category != d.Category || listed[0].Severity != d.DefaultSeverity.ToString())
                problems.Add($"{d.Id} is listed as {listed[0].Category} | {listed[0].Severity}, but its descriptor is {d.Category} | {d.DefaultSeverity}");
        }
        foreach (var row in rows.Where(r => Descriptors.All(d => d.Id != r.Id)))
            problems.Add($"{row.Id} in {row.File} has no descriptor (a removed rule belongs under '### Removed Rules')");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_descriptor_has_a_docs_page_whose_title_names_its_id()
    {
        string docs = Path.Combine(RepositoryRoot(), "docs", "diagnostics");
        var missing = new List<string>();
        foreach (DiagnosticDescriptor d in Descriptors)
        {
            string page = Path.Combine(docs, d.Id + ".md");
            if (!File.Exists(page))
            {
                missing.Add($"{d.Id}: no {page}");
                continue;
            }
            string title = File.ReadLines(page).FirstOrDefault(l => l.Trim().Length > 0) ?? string.Empty;
            if (!title.StartsWith("# ", StringComparison.Ordinal) || !title.Contains(d.Id, StringComparison.Ordinal))
                missing.Add($"{d.Id}: the title line of {page} is '{title}'");
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void The_docs_index_lists_every_descriptor()
    {
        string index = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics", "README.md"));
        foreach (DiagnosticDescriptor d in Descriptors)
            Assert.Contains($"| [{d.Id}]({d.Id}.md) | {d.Title} | `{d.Category}` |", index);
    }

    [Fact]
    public void Every_descriptor_id_appears_in_a_test()
    {
        string tests = Path.Combine(RepositoryRoot(), "tests");
        string self = Path.GetFullPath(Path.Combine(tests, "ShapeNet.Generator.Tests", "Diagnostics", "DiagnosticCatalogTests.cs"));
        string[] sources = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                        && Path.GetFullPath(f) != self)
            .Select(File.ReadAllText)
            .ToArray();
        Assert.NotEmpty(sources);

        // Quoted, as a test passes it to an assertion: a mention in a comment does not count.
        string[] untested = Descriptors.Select(d => d.Id)
            .Where(id => !sources.Any(s => s.Contains('"' + id + '"', StringComparison.Ordinal)))
            .ToArray();
        Assert.Empty(untested);
    }
}

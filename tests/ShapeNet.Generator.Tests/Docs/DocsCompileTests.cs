using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of README.md and docs/*.md compiles, with the generator, so the docs cannot drift from the
/// API (issue 8: getting-started's §8 used a class that did not exist). Per document:
/// <list type="bullet">
/// <item>type declarations (networks, dimensions, classes) from every block go into one project, run through the generator;</item>
/// <item>the statements of each block are compiled as one submission of a script chain over that project, in page order, as
/// a reader runs them in a notebook: a block sees the variables of the blocks before it and may redeclare them.</item>
/// </list>
/// Blocks get the SDK's implicit usings plus <c>using ShapeNet;</c>, as the project template has. A line that only shows a
/// value (<c>x.Shape;</c>, REPL style) is compiled as a discard (<c>_ = x.Shape;</c>); every error fails the test with the
/// block's line in the page. Context a page's snippets assume (a network, a <c>model</c>) is a block inside an HTML comment,
/// invisible on the page and compiled like the others. A block that is deliberately incomplete (an API signature, an excerpt of generated code, a member shown alone) is
/// marked <c>```csharp fragment</c> and skipped; at most a fifth of the blocks are. A block that shows a mistake on purpose
/// is marked <c>```csharp error SN0101</c>: compiled alone, it must give exactly that diagnostic.
/// </summary>
public class DocsCompileTests
{
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        global using global::ShapeNet;

        """;

    /// <summary>The unused-using warning, for the implicit usings.</summary>
    private static readonly HashSet<string> Allowed = ["CS8019"];

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return d.FullName;
        throw new InvalidOperationException("ShapeNet.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Few_blocks_are_marked_fragment()
    {
        string root = RepositoryRoot();
        List<(int Line, string Info, string Code)> all = PageNames().SelectMany(page => Blocks(File.ReadAllText(Path.Combine(root, page)).Replace("\r\n", "\n")).Select(b => (b.Line, b.Info, b.Code))).ToList();
        int fragments = all.Count(b => b.Info == "fragment");
        Assert.True(all.Count >= 40, $"only {all.Count} csharp blocks found");
        Assert.True(fragments * 5 <= all.Count, $"{fragments} of {all.Count} csharp blocks are marked fragment; keep that rare (at most a fifth)");
    }

    private static List<string> PageNames() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(RepositoryRoot(), "docs"), "*.md")
            .Select(f => "docs/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)).ToList();

    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string>();
        foreach (string page in PageNames()) pages.Add(page);
        return pages;
    }

    private sealed record Block(int Line, string Info, string Code);

    private static List<Block> Blocks(string markdown)
    {
        var blocks = new List<Block>();
        string[] lines = markdown.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = Regex.Match(lines[i], @"^```csharp(.*)$");
            if (!open.Success) continue;
            int start = i + 1;
            var code = new StringBuilder();
            for (i = start; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++) code.Append(lines[i]).Append('\n');
            blocks.Add(new Block(start + 1, open.Groups[1].Value.Trim(), code.ToString()));
        }
        return blocks;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_csharp_block_compiles(string page)
    {
        List<Block> blocks = Blocks(File.ReadAllText(Path.Combine(RepositoryRoot(), page)).Replace("\r\n", "\n"));
        var problems = new List<string>();
        // A block that shows a mistake on purpose (```csharp error SN0101) must give exactly that diagnostic, alone.
        foreach (Block block in blocks.Where(b => b.Info.StartsWith("error ", StringComparison.Ordinal)))
        {
            string expected = block.Info["error ".Length..].Trim();
            GeneratorResult alone = GeneratorHarness.Run(ImplicitUsings, block.Code);
            string[] ids = alone.GeneratorDiagnostics.Select(d => d.Id).Distinct().ToArray();
            if (ids.Length != 1 || ids[0] != expected)
                problems.Add($"{page}:{block.Line}: the block is marked 'error {expected}', but the generator reported [{string.Join(", ", ids)}]");
        }
        List<Block> compiled = blocks.Where(b => b.Info.Length == 0).ToList();
        if (compiled.Count == 0)
        {
            if (problems.Count > 0) throw new XunitException(string.Join(Environment.NewLine, problems));
            return;
        }

        // Split each block into its using directives, its type declarations and its statements.
        var declarationFiles = new List<string> { ImplicitUsings };
        var scripts = new List<(Block Block, string Text)>();
        var seenTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (Block block in compiled)
        {
            var tree = CSharpSyntaxTree.ParseText(block.Code, GeneratorHarness.ParseOptions);
            var root = (CompilationUnitSyntax)tree.GetRoot();
            // CS8803 (statements after a declaration) does not apply: the two are compiled apart.
            foreach (Diagnostic d in tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8803"))
                problems.Add(Describe(page, block, d));
            string usings = string.Concat(root.Usings.Select(u => u.ToFullString()));
            // A declaration repeated word for word in two blocks ([Dim(10)] Digits on every example) is the same type: kept once.
            MemberDeclarationSyntax[] types = root.Members.Where(m => m is not GlobalStatementSyntax)
                .Where(m => seenTypes.Add(Regex.Replace(m.WithoutTrivia().ToString(), @"\s+", " "))).ToArray();
            GlobalStatementSyntax[] statements = root.Members.OfType<GlobalStatementSyntax>().ToArray();
            if (types.Length > 0)
                declarationFiles.Add(usings + string.Concat(root.AttributeLists.Select(a => a.ToFullString())) + string.Concat(types.Select(t => t.ToFullString())));
            if (statements.Length > 0)
                scripts.Add((block, usings + string.Concat(statements.Select(s => AsSubmission(s.Statement).ToFullString()))));
        }
        if (problems.Count > 0) throw new XunitException(string.Join(Environment.NewLine, problems));

        // The page's declarations, through the generator, as the project the statements run in.
        GeneratorResult project = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(declarationFiles, OutputKind.DynamicallyLinkedLibrary, "DocsPage"));
        foreach (Diagnostic d in project.GeneratorDiagnostics.Concat(project.CompilationErrors).Where(d => d.Severity == DiagnosticSeverity.Error))
            problems.Add(DescribeDeclaration(page, compiled, d));
        if (problems.Count > 0) throw new XunitException(string.Join(Environment.NewLine, problems));
        if (scripts.Count == 0) return;

        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = project.OutputCompilation.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        MetadataReference projectReference = MetadataReference.CreateFromImage(image.ToArray());

        CSharpCompilation? previous = null;
        var scriptOptions = GeneratorHarness.ParseOptions.WithKind(SourceCodeKind.Script);
        for (int i = 0; i < scripts.Count; i++)
        {
            (Block block, string text) = scripts[i];
            string usings = i == 0 ? ImplicitUsings.Replace("global using ", "using ") : string.Empty;
            SyntaxTree tree = CSharpSyntaxTree.ParseText(usings + text, scriptOptions, $"{page}:{block.Line}");
            CSharpCompilation submission = CSharpCompilation.CreateScriptCompilation($"Submission{i}", tree,
                GeneratorHarness.References.Add(projectReference),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithNullableContextOptions(NullableContextOptions.Enable).WithAllowUnsafe(true),
                previous);
            int offset = usings.Split('\n').Length - 1;
            foreach (Diagnostic d in submission.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !Allowed.Contains(d.Id)))
                problems.Add($"{page}:{block.Line + d.Location.GetLineSpan().StartLinePosition.Line - offset}: {d.Id}: {d.GetMessage()}");
            if (problems.Count > 0) break;   // a later submission cannot be built on one with errors
            previous = submission;
        }
        if (problems.Count > 0) throw new XunitException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>A top-level statement as a script submission takes it: a REPL line that only shows a value (<c>x.Shape;</c>)
    /// becomes a discard (<c>_ = x.Shape;</c>), and a <c>using</c> declaration a plain one (scripts read a top-level
    /// <c>using</c> as a directive). Both type-check exactly as written.</summary>
    private static StatementSyntax AsSubmission(StatementSyntax statement) => statement switch
    {
        LocalDeclarationStatementSyntax local when local.UsingKeyword != default =>
            local.WithUsingKeyword(default).WithAwaitKeyword(default).WithLeadingTrivia(local.GetLeadingTrivia()),
        ExpressionStatementSyntax { Expression: var e } expression when e is not (InvocationExpressionSyntax or AssignmentExpressionSyntax
            or PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }
            or AwaitExpressionSyntax or BaseObjectCreationExpressionSyntax) =>
            expression.WithExpression(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression,
                SyntaxFactory.IdentifierName("_"), e.WithoutLeadingTrivia()).WithLeadingTrivia(e.GetLeadingTrivia())),
        _ => statement,
    };

    private static string Describe(string page, Block block, Diagnostic d) =>
        $"{page}:{block.Line + d.Location.GetLineSpan().StartLinePosition.Line}: {d.Id}: {d.GetMessage()}";

    /// <summary>A declaration error, placed back in its block: the declaration files are the compiled blocks in order, after
    /// the implicit usings file.</summary>
    private static string DescribeDeclaration(string page, List<Block> blocks, Diagnostic d)
    {
        string path = d.Location.SourceTree?.FilePath ?? "";
        Match m = Regex.Match(path, @"Input(\d+)\.cs$");
        string where = m.Success ? $"{page} (declarations file {m.Groups[1].Value}, line {d.Location.GetLineSpan().StartLinePosition.Line + 1})" : $"{page} ({path})";
        return $"{where}: {d.Id}: {d.GetMessage()}";
    }
}

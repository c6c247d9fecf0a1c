using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;
using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>Every report site passes as many message arguments as its descriptor has placeholders (issue 8: SN0901 had two
/// placeholders and was given one argument, so users saw the raw template). The generator's own sources are compiled here
/// and every call that names a descriptor (<c>DiagnosticDescriptors.X</c>) is checked through Roslyn's operation tree.</summary>
public class DiagnosticArgumentTests
{
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return d.FullName;
        throw new InvalidOperationException("ShapeNet.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The highest placeholder index + 1 of a message format (<c>{0} … {3}</c> gives 4); escaped braces are skipped.</summary>
    private static int Placeholders(string format) =>
        Regex.Matches(format.Replace("{{", "").Replace("}}", ""), @"\{(\d+)(?:[,:][^}]*)?\}").Select(m => int.Parse(m.Groups[1].Value) + 1).DefaultIfEmpty(0).Max();

    [Fact]
    public void Every_report_site_passes_one_argument_per_placeholder()
    {
        string generator = Path.Combine(RepositoryRoot(), "ShapeNet.Generator");
        SyntaxTree[] trees = Directory.EnumerateFiles(generator, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest), f))
            .ToArray();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("GeneratorSources", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithNullableContextOptions(NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5));

        var placeholders = DiagnosticDescriptors.All.ToDictionary(d => d.Id, d => Placeholders(d.MessageFormat.ToString()));
        var fields = typeof(DiagnosticDescriptors).GetFields().Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .ToDictionary(f => f.Name, f => ((DiagnosticDescriptor)f.GetValue(null)!).Id);
        var problems = new List<string>();
        int sites = 0;
        foreach (SyntaxTree tree in trees)
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (InvocationExpressionSyntax call in tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (model.GetOperation(call) is not IInvocationOperation invocation) continue;
                IArgumentOperation? descriptorArgument = invocation.Arguments.FirstOrDefault(a =>
                    a.Value is IFieldReferenceOperation { Field.ContainingType.Name: "DiagnosticDescriptors", Field.Type.Name: "DiagnosticDescriptor" });
                if (descriptorArgument is null) continue;
                string id = fields[((IFieldReferenceOperation)descriptorArgument.Value).Field.Name];
                IArgumentOperation? arguments = invocation.Arguments.FirstOrDefault(a => a.Parameter?.IsParams == true);
                string where = $"{Path.GetFileName(tree.FilePath)}:{call.GetLocation().GetLineSpan().StartLinePosition.Line + 1}";
                if (arguments is null)
                {
                    problems.Add($"{where}: {id} is reported through {invocation.TargetMethod.Name}, which has no params argument list");
                    continue;
                }
                sites++;
                int given = arguments.ArgumentKind == ArgumentKind.ParamArray && arguments.Value is IArrayCreationOperation { Initializer: { } init }
                    ? init.ElementValues.Length
                    : arguments.Value is IArrayCreationOperation { DimensionSizes: [ILiteralOperation { ConstantValue.Value: 0 }] } ? 0 : -1;
                if (given < 0) problems.Add($"{where}: {id} is given an argument array whose length is not visible");
                else if (given != placeholders[id]) problems.Add($"{where}: {id} has {placeholders[id]} placeholder(s) but is given {given} argument(s)");
            }
        }
        Assert.True(sites > 40, $"only {sites} report sites found");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void SN0901_shows_the_call_and_the_op()
    {
        DiagnosticInfo info = EmitHelpers.NoGradientRule(null, new MissingRule("Gelu(h)", "Gelu"));
        Diagnostic diagnostic = Diagnostic.Create(DiagnosticDescriptors.Get(info.Id), Location.None, info.Arguments.ToArray<object>());
        Assert.Equal("SN0901", diagnostic.Id);
        Assert.Equal("No gradient rule for 'Gelu(h)' (op Gelu); the network cannot be trained. This is a bug in ShapeNet", DiagnosticAssert.Message(diagnostic));
    }
}

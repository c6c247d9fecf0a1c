using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.InfrastructureTests;

public class DiagnosticAssertTests
{
    private static readonly Diagnostic[] Diagnostics = GeneratorHarness.CreateCompilation("""
        public class C
        {
            public int M() => missing + 1;
        }
        """).GetDiagnostics().ToArray();

    [Fact]
    public void Has_finds_a_diagnostic_by_id_one_based_position_and_exact_message()
    {
        Diagnostic found = DiagnosticAssert.Has(Diagnostics, "CS0103", 3, 23, "The name 'missing' does not exist in the current context");

        Assert.Equal(DiagnosticSeverity.Error, found.Severity);
    }

    [Fact]
    public void Has_fails_on_a_wrong_column_and_lists_every_diagnostic()
    {
        var failure = Assert.Throws<XunitException>(() =>
            DiagnosticAssert.Has(Diagnostics, "CS0103", 3, 22, "The name 'missing' does not exist in the current context"));

        Assert.Contains("Expected CS0103 at 3:22: The name 'missing'", failure.Message);
        Assert.Contains("  CS0103 at 3:23: The name 'missing' does not exist in the current context", failure.Message);
    }

    [Fact]
    public void Format_underlines_the_span_under_its_source_line()
    {
        string formatted = DiagnosticAssert.Format(Diagnostics.Single(d => d.Id == "CS0103"));

        string[] lines = formatted.Split(Environment.NewLine);
        Assert.Equal("Input0.cs(3,23): error CS0103: The name 'missing' does not exist in the current context", lines[0]);
        Assert.Equal("    3 |     public int M() => missing + 1;", lines[1]);
        Assert.Equal("      |                       ^^^^^^^", lines[2]);
    }

    [Fact]
    public void None_fails_listing_the_diagnostics_it_found()
    {
        var failure = Assert.Throws<XunitException>(() => DiagnosticAssert.None(Diagnostics));

        Assert.Contains("error CS0103", failure.Message);
    }
}

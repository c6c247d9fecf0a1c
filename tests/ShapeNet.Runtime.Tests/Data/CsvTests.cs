using System.IO.Compression;
using System.Text;
using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class CsvTests
{
    [Fact]
    public void Quoted_fields_hold_separators_doubled_quotes_and_line_breaks()
    {
        Table table = Csv.Parse("name,note,n\n\"Smith, J\",\"say \"\"hi\"\"\",1\nplain,\"two\nlines\",2\r\n\"\",x\"y,3\n");

        Assert.Equal(3, table.RowCount);
        var name = table.Categorical("name");
        var note = table.Categorical("note");
        Assert.Equal("Smith, J", name[0]);
        Assert.Equal("say \"hi\"", note[0]);
        Assert.Equal("two\nlines", note[1]);
        Assert.Null(name[2]);                       // a quoted empty field is missing, as in pandas
        Assert.Equal("x\"y", note[2]);              // a quote inside an unquoted field is text
        Assert.Equal([1.0, 2.0, 3.0], table.Numeric("n").Values.Select(v => v!.Value));
    }

    [Fact]
    public void Columns_are_numeric_when_every_present_value_parses_invariantly()
    {
        Table table = Csv.Parse("a,b,c,d\n1.5,x,NA,-2e3\n,2,NA,7\nNaN,y,NA,0.25\n");

        var a = table.Numeric("a");
        Assert.Equal([1.5, null, null], a.Values);   // empty and NaN are missing
        Assert.Equal(2, a.MissingCount);
        Assert.Equal(["x", "2", "y"], table.Categorical("b").Values);
        Assert.Equal(3, table["c"].MissingCount);    // all missing: numeric with no values
        Assert.IsType<NumericColumn>(table["c"]);
        Assert.Equal([-2000.0, 7.0, 0.25], table.Numeric("d").Values);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_a_missing_final_newline_is_fine()
    {
        Table table = Csv.Parse("a,b\n\n1,2\n\n3,4");

        Assert.Equal(2, table.RowCount);
        Assert.Equal([1.0, 3.0], table.Numeric("a").Values.Select(v => v!.Value));
    }

    [Fact]
    public void Forced_columns_override_inference()
    {
        var options = new CsvOptions { CategoricalColumns = ["zip"], MissingValues = ["?"] };
        Table table = Csv.Parse("zip,v\n01234,?\n98765,NA\n", options: options);

        Assert.Equal(["01234", "98765"], table.Categorical("zip").Values);
        Assert.Null(table.Categorical("v")[0]);
        Assert.Equal("NA", table.Categorical("v")[1]);   // NA is text when the missing markers are replaced
    }

    [Fact]
    public void Gzip_input_is_detected_from_the_content()
    {
        string path = Path.Combine(Path.GetTempPath(), $"shapenet-csv-{Guid.NewGuid():N}.csv");  // no .gz in the name
        try
        {
            using (var file = File.Create(path))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
                gzip.Write(Encoding.UTF8.GetBytes("\uFEFFx,y\n1,a\n2,b\n"));

            Table table = Csv.Read(path);

            Assert.Equal(["x", "y"], table.ColumnNames);   // the BOM is not part of the first name
            Assert.Equal([1.0, 2.0], table.Numeric("x").Values.Select(v => v!.Value));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Quotes_across_read_buffer_boundaries_of_a_gzip_stream_parse()
    {
        // Thousands of quoted fields with doubled quotes and CRLFs, so some fall on the reader's buffer boundaries.
        var text = new StringBuilder("id,q\r\n");
        for (int i = 0; i < 5000; i++) text.Append(i).Append(",\"a\"\"b,\r\nc\"\r\n");
        string path = Path.Combine(Path.GetTempPath(), $"shapenet-csv-{Guid.NewGuid():N}.csv.gz");
        try
        {
            using (var file = File.Create(path))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
                gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));

            Table table = Csv.Read(path);

            Assert.Equal(5000, table.RowCount);
            Assert.All(table.Categorical("q").Values, v => Assert.Equal("a\"b,\r\nc", v));
            Assert.Equal(4999.0, table.Numeric("id")[4999]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_fields_names_the_file_line_and_columns()
    {
        const string text = "NumRooms,RoofType,Price\nNA,NA,127500\n2,NA,106000\n\"4\",\"Slate\n\",178100\nNA,NA,140000\n3,NA,1,2\n";

        var e = Assert.Throws<InvalidDataException>(() => Csv.Parse(text, "data/x.csv"));

        Assert.Equal("data/x.csv line 7: expected 3 fields (NumRooms, RoofType, Price), found 4.", e.Message);
    }

    [Fact]
    public void Errors_from_a_file_name_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"shapenet-csv-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "a,b\n1,2\n3\n");

            var e = Assert.Throws<InvalidDataException>(() => Csv.Read(path));

            Assert.Equal($"{path} line 3: expected 2 fields (a, b), found 1.", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void An_unterminated_quote_names_the_line_where_it_starts()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.Parse("a,b\n1,2\n3,\"open\n4,5\n6,7\n", "t.csv"));

        Assert.Equal("t.csv line 3: a quoted field starts here but its closing quote is missing.", e.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.Parse("a,b\n\"x\"y,2\n", "t.csv"));

        Assert.Equal("t.csv line 2: expected a separator or the end of the line after a closing quote, found 'y'.", e.Message);
    }

    [Fact]
    public void A_non_number_makes_a_column_categorical_unless_it_is_forced_numeric()
    {
        const string text = "Price,Note\n1,a\n2,b\nabc,c\n";

        Assert.IsType<CategoricalColumn>(Csv.Parse(text)["Price"]);
        var e = Assert.Throws<InvalidDataException>(() => Csv.Parse(text, "p.csv", new CsvOptions { NumericColumns = ["Price"] }));
        Assert.Equal("p.csv line 4: column Price is numeric, but \"abc\" is not a number.", e.Message);
    }

    [Fact]
    public void Duplicate_header_names_and_empty_input_are_errors()
    {
        Assert.Equal("d.csv line 1: the header names column a twice.",
            Assert.Throws<InvalidDataException>(() => Csv.Parse("a,b,a\n1,2,3\n", "d.csv")).Message);
        Assert.Equal("e.csv: expected a header row, the input is empty.",
            Assert.Throws<InvalidDataException>(() => Csv.Parse("", "e.csv")).Message);
    }
}

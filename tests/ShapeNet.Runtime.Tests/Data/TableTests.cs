using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class TableTests
{
    // Dive into Deep Learning §2.2 writes exactly these lines to ../data/house_tiny.csv.
    private const string HouseTiny = "NumRooms,RoofType,Price\nNA,NA,127500\n2,NA,106000\n4,Slate,178100\nNA,NA,140000\n";

    [Fact]
    public void The_books_preprocessing_gives_the_books_tensors()
    {
        Table data = Csv.Parse(HouseTiny);
        Assert.Equal(
            "   NumRooms  RoofType   Price\n" +
            "0       NaN       NaN  127500\n" +
            "1       2.0       NaN  106000\n" +
            "2       4.0     Slate  178100\n" +
            "3       NaN       NaN  140000\n", data.ToString());
        var (inputs, targets) = data.Split("Price");
        inputs = inputs.OneHot(dummyNa: true);

        Assert.Equal(["NumRooms", "RoofType_Slate", "RoofType_nan"], inputs.ColumnNames);
        Assert.Equal(
            "   NumRooms  RoofType_Slate  RoofType_nan\n" +
            "0       NaN               0             1\n" +
            "1       2.0               0             1\n" +
            "2       4.0               1             0\n" +
            "3       NaN               0             1\n", inputs.ToString());

        inputs = inputs.FillMissingWithMean();
        Tensor X = inputs.ToTensor();
        Tensor y = targets.ToTensor();

        Assert.Equal([4, 3], X.Shape);
        Assert.Equal([3f, 0, 1, 2, 0, 1, 4, 1, 0, 3, 0, 1], X.Data);
        Assert.Equal([4, 1], y.Shape);
        Assert.Equal([127500f, 106000, 178100, 140000], y.Data);
        Assert.Equal([127500f, 106000, 178100, 140000], data.Numeric("Price").ToTensor().Data);
    }

    [Fact]
    public void The_first_editions_alley_column_gives_alley_pave_and_alley_nan()
    {
        Table data = Csv.Parse("NumRooms,Alley,Price\nNA,Pave,127500\n2,NA,106000\n4,NA,178100\nNA,NA,140000\n");
        var (inputs, _) = data.Split("Price");

        Tensor X = inputs.OneHot(dummyNa: true).FillMissingWithMean().ToTensor();

        Assert.Equal([3f, 1, 0, 2, 0, 1, 4, 0, 1, 3, 0, 1], X.Data);
    }

    [Fact]
    public void The_shipped_house_tiny_csv_is_the_books()
    {
        Assert.Equal(HouseTiny, File.ReadAllText(Tabular.HouseTinyPath));
    }

    [Fact]
    public void OneHot_follows_get_dummies_numbers_first_then_sorted_categories()
    {
        Table table = Csv.Parse("c,n,d\nb,1,x\na,2,NA\nb,3,x\nNA,4,y\n");

        Table plain = table.OneHot();
        Assert.Equal(["n", "c_a", "c_b", "d_x", "d_y"], plain.ColumnNames);
        Assert.Equal([1f, 0, 1, 1, 0,
                      2f, 1, 0, 0, 0,              // a missing category is all zeros without dummyNa
                      3f, 0, 1, 1, 0,
                      4f, 0, 0, 0, 1], plain.ToTensor().Data);

        Table withNa = table.OneHot(dummyNa: true);
        Assert.Equal(["n", "c_a", "c_b", "c_nan", "d_x", "d_y", "d_nan"], withNa.ColumnNames);
        Assert.Equal([0.0, 0, 0, 1], withNa.Numeric("c_nan").Values.Select(v => v!.Value));
        Assert.Equal([0.0, 1, 0, 0], withNa.Numeric("d_nan").Values.Select(v => v!.Value));
        Assert.Equal([0.0, 0, 0, 0], Csv.Parse("c\nx\ny\nx\ny\n").OneHot(dummyNa: true).Numeric("c_nan").Values.Select(v => v!.Value));
    }

    [Fact]
    public void ToTensor_rejects_categorical_and_missing_values_with_the_fix()
    {
        Table data = Csv.Parse(HouseTiny);

        Assert.Equal("Column RoofType is categorical; one-hot encode it (OneHot) or leave it out before converting to a tensor.",
            Assert.Throws<InvalidOperationException>(() => data.ToTensor()).Message);
        Assert.Equal("Column NumRooms has 2 missing values (rows 0, 3); fill them (FillMissingWithMean) before converting to a tensor.",
            Assert.Throws<InvalidOperationException>(() => data.ToTensor("NumRooms")).Message);
        Assert.Contains("its columns are NumRooms, RoofType, Price",
            Assert.Throws<KeyNotFoundException>(() => data.ToTensor("Rooms")).Message);
    }

    [Fact]
    public void Standardizer_uses_the_training_statistics_for_both_splits()
    {
        Table train = Csv.Parse("a,b,k\n1,10,x\n2,10,y\n3,NA,x\n");
        Table test = Csv.Parse("a,b,k\n5,12,x\n");

        Standardizer s = Standardizer.Fit(train);

        Assert.Equal(["a", "b"], s.Columns);
        Assert.Equal([2.0, 10.0], s.Means);
        Assert.Equal(Math.Sqrt(2.0 / 3), s.Stds[0], 12);
        Assert.Equal(0.0, s.Stds[1]);                                     // constant: only centred
        Table trainS = s.Apply(train), testS = s.Apply(test);
        Assert.Equal([-Math.Sqrt(1.5), 0, Math.Sqrt(1.5)], trainS.Numeric("a").Values.Select(v => v!.Value), (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.Equal([0.0, 0.0, null], trainS.Numeric("b").Values);      // missing stays missing
        Assert.Equal(3 / Math.Sqrt(2.0 / 3), testS.Numeric("a")[0]!.Value, 12);
        Assert.Equal(2.0, testS.Numeric("b")[0]);
        Assert.Equal(["x"], testS.Categorical("k").Values);

        Tensor t = Standardizer.Fit(new Tensor([1f, 10, 2, 20, 3, 30], 3, 2)).Apply(new Tensor([2f, 40], 1, 2));
        Assert.Equal([0f, (float)(20 / Math.Sqrt(200.0 / 3))], t.Data);
    }

    [Fact]
    public void Rows_select_and_drop_make_new_tables()
    {
        Table data = Csv.Parse(HouseTiny);

        Table picked = data.Rows([3, 2]).Select("Price", "RoofType");
        Assert.Equal(["Price", "RoofType"], picked.ColumnNames);
        Assert.Equal([140000.0, 178100.0], picked.Numeric("Price").Values.Select(v => v!.Value));
        Assert.Equal(["NumRooms", "RoofType"], data.Drop("Price").ColumnNames);
        Assert.Equal(4, data.RowCount);
    }
}

Console.WriteLine("lvsd");

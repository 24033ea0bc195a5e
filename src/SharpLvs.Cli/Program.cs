Console.WriteLine("lvsadm");

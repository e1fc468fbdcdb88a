fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let (file, diags) = stackc::syntax::parse(stackc::source::FileId(0), &text);
    println!(
        "{:#?}",
        file.items
            .iter()
            .map(|i| match i {
                stackc::syntax::ast::Item::Block(b) => format!(
                    "block {} {:?} {}",
                    b.kind.name,
                    b.labels.iter().map(|l| &l.value).collect::<Vec<_>>(),
                    b.body.entries.len()
                ),
                other => format!("{:?}", std::mem::discriminant(other)),
            })
            .collect::<Vec<_>>()
    );
    for d in &diags {
        println!("{:?} {} {:?}", d.code, d.message, d.primary.span);
    }
    if std::env::args().nth(2).is_some() {
        println!("{:#?}", file);
    }
}

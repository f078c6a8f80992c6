//! `bridge-daemon model check|tokenize`: a local model folder (or GGUF file) loaded and measured; its tokenizer's ids.

use super::*;

#[derive(Subcommand, Debug)]
pub(crate) enum ModelAction {
    /// Load a ChatGLM3 / GLM-4 folder and measure one constrained answer.
    Check(ModelCheckArgs),
    /// Print the token ids of TEXT as a JSON array (no special tokens added), with the folder's
    /// tokenizer.json or tokenizer.model, or a GGUF file's vocabulary.
    Tokenize {
        /// The model folder, or a .gguf file.
        dir: PathBuf,
        /// The text to encode.
        text: String,
    },
}

#[derive(clap::Args, Debug)]
pub(crate) struct ModelCheckArgs {
    /// The model folder (config.json, *.safetensors with their index, tokenizer.json or
    /// tokenizer.model), or a GGUF file as llama.cpp's converter writes it.
    dir: PathBuf,
    /// auto (CUDA, then Metal, when built in), cpu, cuda or metal.
    #[arg(long, default_value = "auto")]
    device: String,
    /// f32, bf16 or f16 [default: bf16 on a GPU, f32 on the CPU].
    #[arg(long)]
    dtype: Option<String>,
    /// Quantize the linear layers on load: q8_0 or q4k.
    #[arg(long, value_name = "QUANT")]
    quant: Option<inference::Quant>,
    /// The instruction to answer (on the prompt's example timeline).
    #[arg(long, default_value = "删除所有悲伤情绪片段")]
    instruction: String,
    /// Sample at temperature 1 with this seed instead of greedy decoding.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the figures as one JSON document.
    #[arg(long)]
    json: bool,
}

pub(crate) fn model_check(args: &ModelCheckArgs) -> Result<(), Exit> {
    use engine::understand::chatglm;
    let device = inference::device(&args.device).map_err(|e| Exit(1, e.to_string()))?;
    let dtype = match args.dtype.as_deref() {
        None => None,
        Some("f32") => Some(candle_core::DType::F32),
        Some("bf16") => Some(candle_core::DType::BF16),
        Some("f16") => Some(candle_core::DType::F16),
        Some(other) => return Err(Exit(1, format!("--dtype {other:?}: f32, bf16 or f16"))),
    };
    let opts = inference::LoadOptions {
        device,
        dtype,
        quant: args.quant,
        ..inference::LoadOptions::default()
    };
    let mut last = -1.0f32;
    let mut progress = |f: f32, m: &str| {
        // One line per tenth, so a 40-layer model does not print 40 lines.
        if f >= 1.0 || f - last >= 0.1 {
            eprintln!("loading: {:3.0}% {m}", f * 100.0);
            last = f;
        }
    };
    let r = chatglm::check(&args.dir, opts, &args.instruction, args.seed, &mut progress)
        .map_err(|e| Exit(1, format!("{e:#}")))?;
    if args.json {
        let doc = serde_json::to_string_pretty(&r).map_err(|e| Exit(1, e.to_string()))?;
        println!("{doc}");
        return Ok(());
    }
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "model     {} ({} parameters, {:.1} MB of weights)",
        r.folder,
        r.parameters,
        mb(r.weight_bytes)
    );
    match r.quant {
        Some(q) => println!("device    {} {}, linear layers {q}", r.device, r.dtype),
        None => println!("device    {} {}", r.device, r.dtype),
    }
    println!("tokenizer {} (weights: {})", r.tokenizer, r.weights);
    println!("load      {:.0} ms", r.load_ms);
    if let (Some(now), Some(peak)) = (r.rss_bytes, r.peak_rss_bytes) {
        println!(
            "memory    {:.0} MB resident, {:.0} MB peak",
            mb(now),
            mb(peak)
        );
    }
    for (name, f) in [("cold", &r.cold), ("warm", &r.warm)] {
        println!(
            "{name}      prompt {} tokens ({} cached), prefill {:.1} ms; {} tokens ({} forced by the schema) in {:.1} ms = {:.1} tokens/s; {} masks, {:.0} µs each; total {:.1} ms",
            f.prompt_tokens,
            f.reused_tokens,
            f.prefill_ms,
            f.generated_tokens,
            f.forced_tokens,
            f.decode_ms,
            f.decode_tokens_per_s,
            f.masks,
            f.mask_us_per_mask,
            f.total_ms
        );
    }
    println!("answer    {}", r.answer);
    match &r.intent {
        Ok(_) => println!("intent    usable"),
        Err(why) => println!("intent    not usable: {why}"),
    }
    Ok(())
}

pub(crate) fn model_tokenize(model: &std::path::Path, text: &str) -> Result<(), Exit> {
    let tok =
        inference::chat::ChatTokenizer::for_model(model).map_err(|e| Exit(1, e.to_string()))?;
    let ids = tok.encode_text(text).map_err(|e| Exit(1, e.to_string()))?;
    println!("{}", serde_json::Value::from(ids));
    Ok(())
}

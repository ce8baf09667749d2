import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  CLASS_IMAGE_PIXELS,
  CLASS_IMAGE_SIZE,
  rotateQuarter,
  toClassImage,
} from '../src/core/data/images/convert';
import { contentHash, filesOfZip, importImageClasses } from '../src/core/data/images/importer';
import { decodePngLightness } from '../src/core/data/images/png';
import { syntheticFiles, zipOf } from './syntheticImages';

const S = CLASS_IMAGE_SIZE;

/** A 56×56 RGBA PNG: `inside` colour in the top-left 28×28 square, `outside` elsewhere. */
function squarePng(inside: number[], outside: number[]): Uint8Array {
  const data = new Uint8Array(56 * 56 * 4);
  for (let y = 0; y < 56; y++)
    for (let x = 0; x < 56; x++) data.set(x < 28 && y < 28 ? inside : outside, (y * 56 + x) * 4);
  return encode({ width: 56, height: 56, data, depth: 8, channels: 4 });
}

describe('image classes: conversion', () => {
  it('28×28 ink by area averaging, the same whichever way the ink is drawn', () => {
    const dark = toClassImage(decodePngLightness(squarePng([0, 0, 0, 255], [255, 255, 255, 255])));
    const light = toClassImage(decodePngLightness(squarePng([255, 255, 255, 255], [0, 0, 0, 255])));
    const clear = toClassImage(decodePngLightness(squarePng([0, 0, 0, 255], [9, 9, 9, 0])));
    for (const img of [dark, light, clear]) {
      expect(img.length).toBe(CLASS_IMAGE_PIXELS);
      expect(img[0]).toBeCloseTo(1, 6);
      expect(img[13 * S + 13]).toBeCloseTo(1, 6);
      expect(img[14 * S + 14]).toBeCloseTo(0, 6);
      expect(img[27 * S + 27]).toBeCloseTo(0, 6);
    }
  });

  it('averages partial pixels and centres a wide image', () => {
    // 3 px wide, 1 px tall, only the middle pixel inked: scaled ×28/3, centred vertically
    const data = new Uint8Array([255, 0, 255]);
    const img = toClassImage(
      decodePngLightness(encode({ width: 3, height: 1, data, depth: 8, channels: 1 })),
    );
    const total = img.reduce((s, v) => s + v, 0);
    expect(total).toBeCloseTo((28 / 3) * (28 / 3), 3);
    expect(img[9]).toBe(0);
    expect(img[13 * S + 9]).toBeCloseTo(2 / 3, 5); // [9.33, 10) of the ink column [9.33, 18.67)
    expect(img[13 * S + 14]).toBeCloseTo(1, 5);
  });

  it('quarter turns go counter-clockwise and four make a whole turn', () => {
    const img = new Float32Array(CLASS_IMAGE_PIXELS);
    img[0 * S + (S - 1)] = 1; // top-right corner
    const once = rotateQuarter(img, 1);
    expect(once[0]).toBe(1); // to the top-left
    let r: Float32Array<ArrayBufferLike> = Float32Array.from(img.map((_, i) => i));
    const start = r.slice();
    for (let k = 0; k < 4; k++) r = rotateQuarter(r, 1);
    expect(Array.from(r)).toEqual(Array.from(start));
  });
});

describe('image classes: layout, split and hash', () => {
  it("reads Omniglot's layout with the paper's protocol: 1,200/1,623 of the characters, rotations", async () => {
    const files = [
      ...syntheticFiles({ alphabets: 3, characters: 10, images: 4 }),
      ...syntheticFiles({ root: 'images_evaluation', alphabets: 2, characters: 5, images: 4 }).map((f) => ({
        ...f,
        path: f.path.replace('Alphabet_', 'Eval_'),
      })),
    ];
    const set = await importImageClasses(filesOfZip(zipOf(files)));
    expect(set.classes.length).toBe(40);
    expect(set.images).toBe(160);
    expect(set.split.protocol).toBe('omniglot');
    expect(set.split.rotations).toBe(true);
    expect(set.split.train.length).toBe(Math.round((40 * 1200) / 1623));
    expect(set.split.train.length + set.split.test.length).toBe(40);
    expect(new Set([...set.split.train, ...set.split.test]).size).toBe(40);
    expect(set.classes[0]?.group).toBe('images_background/Alphabet_0');
    expect(set.classes[0]?.name).toBe('images_background/Alphabet_0/character01');
    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(set.skippedCount).toBe(0);
    // a folder's listing gives the same data and the same hash as its zip
    const fromFolder = await importImageClasses(files);
    expect(fromFolder.hash).toBe(set.hash);
    expect(fromFolder.split).toEqual(set.split);
    expect(Array.from(fromFolder.classes[7]?.pixels ?? [])).toEqual(Array.from(set.classes[7]?.pixels ?? []));
  });

  it('holds out whole groups like alphabets, and classes when there are no groups', async () => {
    const grouped = await importImageClasses(
      syntheticFiles({ root: 'mine', alphabets: 10, characters: 3, images: 2 }),
    );
    expect(grouped.split.protocol).toBe('groups');
    expect(grouped.split.rotations).toBe(false);
    const heldGroups = new Set(grouped.split.test.map((c) => grouped.classes[c]?.group));
    expect(heldGroups.size).toBe(3);
    for (const c of grouped.split.train) expect(heldGroups.has(grouped.classes[c]?.group)).toBe(false);
    const flat = syntheticFiles({ root: 'x', alphabets: 1, characters: 10, images: 2 }).map((f) => ({
      ...f,
      path: f.path.replace('x/Alphabet_0/', 'top/'),
    }));
    const plain = await importImageClasses(flat);
    expect(plain.split.protocol).toBe('classes');
    expect(plain.classes[0]?.group).toBe(null);
    expect(plain.split.test.length).toBe(3);
  });

  it('the hash follows the bytes and the paths', async () => {
    const files = syntheticFiles({ alphabets: 1, characters: 2, images: 2 });
    const h = await contentHash(files);
    expect(await contentHash([...files].reverse())).toBe(h);
    const renamed = files.map((f, i) => (i === 0 ? { ...f, path: `${f.path}x` } : f));
    expect(await contentHash(renamed)).not.toBe(h);
  });
});
